/** The files of a new taxonomy: the three top folders, each with a short README. */
export const TEMPLATE_FILES: Record<string, string> = {
  'README.md': `# Taxonomy

The knowledge and skills to teach a model, in InstructLab's layout. Each leaf folder holds one
\`qna.yaml\` (exactly that name) and an \`attribution.txt\`.

- \`knowledge/\`: facts from your documents (trained first).
- \`compositional_skills/\`: tasks the model should learn to do (trained second).
- \`foundational_skills/\`: reasoning and basic skills (not used to generate training data).

Folder names use \`_\` instead of spaces, e.g. \`knowledge/science/astronomy/constellations/phoenix\`.
`,
  'knowledge/README.md': `# Knowledge

One folder per topic, e.g. \`knowledge/history/space_race/\`. Its \`qna.yaml\` needs \`version: 3\`,
\`created_by\`, \`domain\`, a short \`document_outline\`, a \`document\` (the Markdown or PDF source:
repo, commit and patterns) and at least 5 \`seed_examples\`. Each seed example is an excerpt of the
document (\`context\`, up to 500 words) with at least 3 \`questions_and_answers\` about it.
`,
  'compositional_skills/README.md': `# Compositional skills

Tasks such as "write a haiku" or "summarise meeting notes as a table". A \`qna.yaml\` needs
\`version: 3\`, \`created_by\`, a \`task_description\` and at least 5 \`seed_examples\` with a
\`question\` and an \`answer\`. Give seed examples a \`context\` to make the skill grounded
(conventionally under \`compositional_skills/grounded/\`).
`,
  'foundational_skills/README.md': `# Foundational skills

Reasoning, maths and coding skills. InstructLab does not generate training data from this folder;
skills evaluation reads it.
`,
};
