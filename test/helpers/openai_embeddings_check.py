"""Asks the LabForge endpoint for embeddings with the official Python openai client; prints one JSON report."""
import json
import math
import sys

import openai

base_url, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
out = {}
# The client asks for base64 unless told otherwise, and decodes it.
r = client.embeddings.create(model="tiny", input=["The sea is blue.", "Cats purr."])
out["default"] = {
    "count": len(r.data),
    "indexes": [d.index for d in r.data],
    "dims": len(r.data[0].embedding),
    "norms": [math.sqrt(sum(x * x for x in d.embedding)) for d in r.data],
    "usage": r.usage.model_dump(),
    "model": r.model,
}
f = client.embeddings.create(model="tiny", input="The sea is blue.", encoding_format="float")
out["same_as_float"] = max(abs(a - b) for a, b in zip(f.data[0].embedding, r.data[0].embedding)) < 1e-6
try:
    client.embeddings.create(model="tiny-rerank", input="x")
    out["rerank"] = "accepted"
except openai.BadRequestError as e:
    out["rerank"] = {"status": e.status_code, "code": e.code, "message": e.message}
print(json.dumps(out))
