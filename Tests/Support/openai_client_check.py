"""Drives a kvdeck engine server with the official `openai` Python client (PyPI), as users do.

Usage: openai_client_check.py --base-url http://127.0.0.1:PORT/v1 --model NAME [--api-key KEY]

Prints one `ok <check>` line per check and exits 0, or prints `FAIL <check>: <why>` and exits 1.
The checks hold for any model (they look at shapes, counts and errors, not at the words).
"""
import argparse
import sys

import openai


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--api-key", default="EMPTY")
    a = p.parse_args()
    client = openai.OpenAI(base_url=a.base_url, api_key=a.api_key, max_retries=0, timeout=120)
    failures = 0

    def check(name, fn):
        nonlocal failures
        try:
            fn()
            print(f"ok {name}", flush=True)
        except Exception as e:  # report every check, not just the first failure
            failures += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)

    def models():
        ids = [m.id for m in client.models.list().data]
        assert a.model in ids, ids

    def chat():
        r = client.chat.completions.create(model=a.model, max_tokens=8,
                                           messages=[{"role": "system", "content": "You are terse."},
                                                     {"role": "user", "content": "Say hello."}])
        c = r.choices[0]
        assert r.object == "chat.completion" and r.id.startswith("chatcmpl-"), r
        assert c.message.role == "assistant" and isinstance(c.message.content, str), c
        assert c.finish_reason in ("stop", "length"), c.finish_reason
        assert r.usage.completion_tokens >= 1 and r.usage.prompt_tokens > 5, r.usage
        assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens

    def chat_stream():
        stream = client.chat.completions.create(model=a.model, max_tokens=12, stream=True,
                                                stream_options={"include_usage": True},
                                                messages=[{"role": "user", "content": "Count to five."}])
        chunks = list(stream)
        assert chunks[0].choices[0].delta.role == "assistant", chunks[0]
        finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
        assert finishes[-1] in ("stop", "length") and all(f is None for f in finishes[:-1]), finishes
        assert chunks[-1].choices == [] and chunks[-1].usage is not None, chunks[-1]
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert chunks[-1].usage.completion_tokens >= 1, chunks[-1].usage
        assert isinstance(text, str)

    def completion():
        r = client.completions.create(model=a.model, prompt="The capital of France is", max_tokens=5,
                                      temperature=0, logprobs=2)
        c = r.choices[0]
        assert r.object == "text_completion", r
        assert r.usage.completion_tokens == len(c.logprobs.tokens) <= 5, (r.usage, c.logprobs)
        assert all(len(t) >= 1 for t in c.logprobs.top_logprobs), c.logprobs.top_logprobs
        again = client.completions.create(model=a.model, prompt="The capital of France is", max_tokens=5, temperature=0)
        assert again.choices[0].text == c.text, "greedy decoding is deterministic"

    def completion_stream():
        chunks = list(client.completions.create(model=a.model, prompt="Once upon a time", max_tokens=6,
                                                stream=True, extra_body={"ignore_eos": True}))
        assert chunks[-1].choices[0].finish_reason == "length", chunks[-1]

    def sampling_extras():
        r = client.chat.completions.create(model=a.model, max_tokens=4, temperature=0.8, top_p=0.9, seed=7,
                                           presence_penalty=0.5, frequency_penalty=0.5, stop=["\n\n"],
                                           logprobs=True, top_logprobs=3,
                                           extra_body={"top_k": 20, "min_p": 0.05, "repetition_penalty": 1.1},
                                           messages=[{"role": "user", "content": "Hi"}])
        lp = r.choices[0].logprobs.content
        assert len(lp) == r.usage.completion_tokens and len(lp[0].top_logprobs) == 3, lp

    def errors():
        try:
            client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
            raise AssertionError("no error for an unknown model")
        except openai.NotFoundError as e:
            assert "does not exist" in str(e), e
        try:
            client.completions.create(model=a.model, prompt="x", max_tokens=0)
            raise AssertionError("no error for max_tokens=0")
        except openai.BadRequestError as e:
            assert e.status_code == 400 and "max_tokens" in str(e), e
        try:
            client.chat.completions.create(model=a.model, n=2, messages=[{"role": "user", "content": "x"}])
            raise AssertionError("no error for n=2")
        except openai.BadRequestError as e:
            assert "n must be 1" in str(e), e

    def auth():
        if a.api_key == "EMPTY":
            return
        wrong = openai.OpenAI(base_url=a.base_url, api_key="wrong-key", max_retries=0)
        try:
            wrong.models.list()
            raise AssertionError("a wrong key was accepted")
        except openai.AuthenticationError as e:
            assert e.status_code == 401, e

    for name, fn in [("models", models), ("chat", chat), ("chat_stream", chat_stream), ("completion", completion),
                     ("completion_stream", completion_stream), ("sampling_extras", sampling_extras),
                     ("errors", errors), ("auth", auth)]:
        check(name, fn)
    print(f"openai {openai.__version__}: {failures} failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
