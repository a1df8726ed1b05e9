"""openai-python's files.list against tfy-mock-gateway: uploads three files
with files.create, then lists them one page at a time (limit, order,
purpose) and across every page with the SDK's auto-pagination, which
follows `after`.  Usage: python3 files_list.py BASE_URL (the API key is the
gateway's default).  Exits 0, or 1 with what differed on stderr."""

import os
import sys
import tempfile

import openai


def expect(what, got, want):
    if got != want:
        sys.exit(f"files_list.py: {what}: got {got!r}, want {want!r}")


def main() -> None:
    client = openai.OpenAI(api_key="tfy-local-key", base_url=sys.argv[1], max_retries=0)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "requests.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write('{"custom_id":"a","method":"POST","url":"/v1/chat/completions",'
                    '"body":{"model":"gpt-4o-mini","messages":[]}}\n')
        ids = []
        for _ in range(3):
            with open(path, "rb") as f:
                ids.append(client.files.create(file=f, purpose="batch").id)
    page = client.files.list(limit=2, order="asc", purpose="batch")
    expect("first page", [f.id for f in page.data], ids[:2])
    expect("has_more", page.has_more, True)
    expect("an item", (page.data[0].object, page.data[0].purpose), ("file", "batch"))
    expect("every page", [f.id for f in client.files.list(limit=1, order="asc")], ids)
    expect("default order", [f.id for f in client.files.list()], ids[::-1])
    print(f"openai-python {openai.__version__}: files.list ok")


main()
