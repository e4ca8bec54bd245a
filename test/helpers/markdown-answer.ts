/** A Markdown-heavy model answer (heading, table, code, math, links, a task list) for the chat E2E test and bench. */
const F = '```';
const T = '`';

export const markdownAnswer = String.raw`## Fine-tuning results

The **LAB** run trained ${T}granite-7b${T} on 3 skills; see the [InstructLab docs](https://docs.instructlab.ai/) or <https://github.com/instructlab/taxonomy>.
A link that is not http(s) stays text: [click me](javascript:alert(1)). Raw HTML too: <img src=x onerror="alert(2)">

| Checkpoint | MMLU | MT-Bench | Loss |
|:-----------|-----:|---------:|-----:|
| base       | 0.51 | 6.12     | —    |
| epoch 1    | 0.53 | 6.48     | 1.21 |
| epoch 2    | 0.54 | 6.71     | 0.97 |

The loss is the mean cross-entropy $\mathcal{L} = -\frac{1}{N}\sum_{i=1}^{N} \log p_\theta(y_i \mid x_i)$, and the learning rate follows

$$
\eta_t = \eta_{\max} \cdot \frac{1}{2}\left(1 + \cos\frac{\pi t}{T}\right)
$$

${F}python
def cosine_lr(step: int, total: int, peak: float = 2e-5) -> float:
    """Cosine decay without warm-up."""
    import math
    return peak * 0.5 * (1 + math.cos(math.pi * step / total))
${F}

> Evaluate on held-out questions, not the seed examples.

- [x] generate data
- [x] train
- [ ] ~~publish~~ review first
`;
