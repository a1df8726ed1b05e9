#!/usr/bin/env python3
"""Section 9 of docs/performance.md from bench_jsonl's key=value output.

    jsonl_report.py section|summary KV_FILE COMMAND

`section` prints the section, `summary` the two rows of the summary table.
bench/run.sh calls it; run alone, it prints what a run of bench_jsonl gives.
"""
import re
import sys

GOAL_RESULTS = 1.2
GOAL_CHECK = 1.5


def verdict(ok):
    return "met" if ok else "**missed**"


def main():
    what, path, command = sys.argv[1], sys.argv[2], sys.argv[3]
    kv = dict(re.findall(r"(\w+)=(\S+)", open(path).read()))
    f = {k: float(v) for k, v in kv.items() if re.fullmatch(r"[\d.]+", v)}
    out = []
    w = out.append
    if what == "summary":
        w(f"| 9a | CPU of reading 1,000,000 output records with the result reader / jansson `json_loadb` of each line | <= {GOAL_RESULTS} | "
          f"{f['results_ratio']:.2f} (net of the stream: {f['results_net_ratio']:.2f}) | {verdict(f['results_ratio'] <= GOAL_RESULTS)} |")
        w(f"| 9b | CPU of checking 1,000,000 input lines / jansson `json_loadb` of each line | <= {GOAL_CHECK} | "
          f"{f['check_ratio']:.2f} (net: {f['check_net_ratio']:.2f}) | {verdict(f['check_ratio'] <= GOAL_CHECK)} |")
        print("\n".join(out))
        return
    lines = int(f["results_lines"])
    w("## 9. JSONL: result files and input checks")
    w("")
    w(f"{lines:,} lines generated at run time by a `tfy_read_fn` (nothing is stored on disk), each "
      "line with its own number in its ids. Output records are OpenAI output lines with a chat "
      f"completion body ({int(f['results_line_bytes'])} bytes a line); input lines are chat "
      f"completion requests ({int(f['check_line_bytes'])} bytes a line, every `custom_id` distinct, "
      "so the checker's set grows to hold them all). Each side reads the same stream; CPU time of the "
      "process (`CLOCK_PROCESS_CPUTIME_ID`), medians of rounds whose order rotates. The floor is "
      "jansson: the stream split at `\\n` (`memchr`) and each line parsed with `json_loadb` + "
      "`json_decref`. The stream alone (generated and split, nothing parsed) is measured too; "
      "\"net\" ratios take it out of both sides.")
    w("")
    w("```sh")
    w(command)
    w("```")
    w("")
    w("| | CPU ms | / jansson | net of the stream |")
    w("|---|---|---|---|")
    w(f"| result reader (`tfy_result_reader_next` for every line) | {f['results_ms']:,.1f} | "
      f"**{f['results_ratio']:.3f}** | {f['results_net_ratio']:.3f} |")
    w(f"| jansson, output lines | {f['results_jansson_ms']:,.1f} | 1 | 1 |")
    w(f"| the stream alone, output lines | {f['results_stream_ms']:,.1f} | | |")
    w(f"| input check (`tfy_input_check_read`) | {f['check_ms']:,.1f} | **{f['check_ratio']:.3f}** | "
      f"{f['check_net_ratio']:.3f} |")
    w(f"| jansson, input lines | {f['check_jansson_ms']:,.1f} | 1 | 1 |")
    w(f"| the stream alone, input lines | {f['check_stream_ms']:,.1f} | | |")
    w("")
    w(f"Goals: result reader <= {GOAL_RESULTS} x jansson, {verdict(f['results_ratio'] <= GOAL_RESULTS)}; "
      f"input check <= {GOAL_CHECK} x, {verdict(f['check_ratio'] <= GOAL_CHECK)}. Both read each line "
      "with the decoder's own scanner (`lib/decode.c`), which checks every byte's syntax as jansson "
      "does but builds nothing: a member libtfy does not model, the response `body` included, is "
      "stepped over, and the modelled strings are copied into one reused buffer. jansson builds a "
      "tree of every line (an allocation per value, a hash table per object) and frees it.")
    w("")
    w(f"Peak RSS of the whole benchmark process: {int(f['peak_rss_kb']):,} KiB, most of it the "
      f"checker's set of {lines:,} custom_ids (each id's bytes and 64 to 128 bytes of table); the "
      "result reader holds one line buffer and one line's strings.")
    w("")
    print("\n".join(out))


main()
