// openai-node's files.list against tfy-mock-gateway: uploads three files
// with files.create, then lists them one page at a time (limit, order,
// purpose) and across every page with the SDK's auto-pagination, which
// follows `after`.  Usage: node files_list.mjs BASE_URL  (the API key is
// the gateway's default).  Exits 0, or 1 with what differed on stderr.
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// Resolved from NODE_PATH as well (an ES module import would not look there).
const require = createRequire(path.join(process.cwd(), "noop.js"));
const mod = require("openai");
const OpenAI = mod.OpenAI ?? mod.default ?? mod;

function expect(what, got, want) {
	const g = JSON.stringify(got), w = JSON.stringify(want);
	if (g !== w) {
		console.error(`files_list.mjs: ${what}: got ${g}, want ${w}`);
		process.exit(1);
	}
}

const client = new OpenAI({ apiKey: "tfy-local-key", baseURL: process.argv[2], maxRetries: 0 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tfy-sdk-"));
const input = path.join(dir, "requests.jsonl");
fs.writeFileSync(input, '{"custom_id":"a","method":"POST","url":"/v1/chat/completions",' +
	'"body":{"model":"gpt-4o-mini","messages":[]}}\n');
const ids = [];
for (let i = 0; i < 3; i++) {
	const f = await client.files.create({ file: fs.createReadStream(input), purpose: "batch" });
	ids.push(f.id);
}
fs.rmSync(dir, { recursive: true });

const page = await client.files.list({ limit: 2, order: "asc", purpose: "batch" });
expect("first page", page.data.map((f) => f.id), ids.slice(0, 2));
expect("has_more", page.has_more, true);
expect("an item", [page.data[0].object, page.data[0].purpose], ["file", "batch"]);
const all = [];
for await (const f of client.files.list({ limit: 1, order: "asc" }))
	all.push(f.id);
expect("every page", all, ids);
const newest = [];
for await (const f of client.files.list())
	newest.push(f.id);
expect("default order", newest, [...ids].reverse());
console.log("openai-node: files.list ok");
