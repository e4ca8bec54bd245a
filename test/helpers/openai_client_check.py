"""Drives the LabForge endpoint with the official Python openai client; prints one JSON report."""
import json
import sys

import openai

base_url, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
schema = {
    "type": "object",
    "properties": {"answer": {"enum": ["yes", "no"]}, "sure": {"type": "boolean"}},
    "required": ["answer", "sure"],
    "additionalProperties": False,
}
out = {"models": [m.id for m in client.models.list().data]}
r = client.chat.completions.create(
    model="tiny",
    messages=[{"role": "user", "content": "Is the sky blue?"}],
    max_tokens=64,
    seed=2,
    response_format={"type": "json_schema", "json_schema": {"name": "verdict", "schema": schema, "strict": True}},
)
out["schema_value"] = json.loads(r.choices[0].message.content)
out["schema_finish"] = r.choices[0].finish_reason
q = dict(model="tiny", messages=[{"role": "user", "content": "Say something"}], max_tokens=8, seed=3, temperature=0)
plain = client.chat.completions.create(**q)
text, usage = "", None
for c in client.chat.completions.create(**q, stream=True, stream_options={"include_usage": True}):
    if c.choices and c.choices[0].delta.content:
        text += c.choices[0].delta.content
    if c.usage:
        usage = c.usage.model_dump()
out["plain_usage"] = plain.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"})
out["stream_usage"] = {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
out["same_text"] = text == plain.choices[0].message.content
try:
    openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0).models.list()
    out["wrong_key"] = "accepted"
except openai.AuthenticationError as e:
    out["wrong_key"] = e.status_code
print(json.dumps(out))
