#!/usr/bin/env python3
"""The layering of src/ holds (docs/architecture.md).

Four checks, each of which fails the test; none is skipped:

1. Includes point down.  Every file of src/<layer>/, and every public
   header of that layer, includes only the public headers
   (include/convtrack/X.h) of its own layer and of the layers below it,
   and only the third-party headers its layer owns (libpq in store,
   librdkafka in kafka, ...).  A public header belongs to the folder that
   holds X.c (or X_*.c).  A private header ("x.h") must live in the
   including file's own folder.
2. The pure layers link no I/O library: the link lines of the core and
   text unit tests name none of libpq, librdkafka, libmicrohttpd and
   libconfig, and `readelf -d` of those binaries (linked with
   --no-as-needed, so every library their layer drags in is recorded)
   shows none of them.
3. Calls point down, as the linker sees them: every ct_ symbol that a
   layer's objects use is defined in that layer or in a layer below it
   (nm).  The program links every layer, so without this a call up would
   still link there.
4. No cycles between the files of a layer: the graph "a.o uses a symbol
   that b.o defines" over each layer's objects (nm) is acyclic.
5. Every layer library exists in the build and is non-empty.

Usage: check_layers.py SOURCE_DIR BUILD_DIR
"""
import os
import re
import subprocess
import sys

LAYERS = ["core", "text", "store", "ops", "kafka", "worker", "api", "llm"]
TOP = "top"  # src/main.c, src/cli.c

# Which layers' headers each layer may include (itself and below).
ALLOWED = {
    "core": {"core"},
    "text": {"core", "text"},
    "store": {"core", "store"},
    "ops": {"core", "ops"},
    "kafka": {"core", "ops", "kafka"},
    "worker": {"core", "text", "store", "ops", "kafka", "worker", "llm"},
    "api": {"core", "text", "store", "ops", "api"},
    "llm": {"core", "text", "llm"},
    TOP: set(LAYERS) | {TOP},
}

# Third-party headers (by their first path component or file name) and the
# layers that may include them.  System headers of libc/POSIX are free.
THIRD_PARTY = {
    "libpq-fe.h": {"store"},
    "librdkafka": {"kafka"},
    "microhttpd.h": {"ops"},
    "libconfig.h": {"ops"},
    "yajl": {"core", "worker", "api", "llm", TOP},
    "curl": {"llm"},
    "uuid": {"core"},
    "openssl": {"core"},
}

# Libraries the pure layers' tests must not link or need.
FORBIDDEN_LIBS = ["libpq", "librdkafka", "libmicrohttpd", "libconfig", "libcurl"]

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def header_owners(src):
    """Maps 'X.h' of include/convtrack to the layer folder holding X.c."""
    files = {}
    for layer in LAYERS:
        for f in os.listdir(os.path.join(src, "src", layer)):
            if f.endswith(".c"):
                files.setdefault(layer, []).append(f[:-2])
    top = [f[:-2] for f in os.listdir(os.path.join(src, "src")) if f.endswith(".c")]
    files[TOP] = top
    owners = {}
    for h in sorted(os.listdir(os.path.join(src, "include", "convtrack"))):
        if not h.endswith(".h"):
            continue
        mod = h[:-2]
        exact = [l for l, mods in files.items() if mod in mods]
        prefix = [l for l, mods in files.items()
                  if any(m.startswith(mod + "_") for m in mods)]
        found = exact or sorted(set(prefix))
        if len(found) != 1:
            fail(f"include/convtrack/{h}: owned by {found or 'no folder'}; "
                 "a public header belongs to exactly one layer "
                 "(the folder holding its .c)")
            continue
        owners[h] = found[0]
    return owners


INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def check_includes(src, owners):
    checked = 0
    for layer in LAYERS + [TOP]:
        folder = os.path.join(src, "src") if layer == TOP else os.path.join(src, "src", layer)
        for f in sorted(os.listdir(folder)):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, f)
            rel = os.path.relpath(path, src)
            text = open(path, encoding="utf-8").read()
            for kind, name in INCLUDE.findall(text):
                checked += 1
                if name.startswith("convtrack/"):
                    h = name[len("convtrack/"):]
                    owner = owners.get(h)
                    if owner is None:
                        fail(f"{rel}: includes {name}, which no layer owns")
                    elif owner not in ALLOWED[layer]:
                        fail(f"{rel}: layer {layer} includes {name} of layer "
                             f"{owner}, which is not below it")
                    continue
                if kind == '"':
                    if not os.path.exists(os.path.join(folder, name)):
                        fail(f'{rel}: includes "{name}", which is not in its '
                             "own folder (private headers stay in their layer)")
                    continue
                key = name.split("/")[0]
                allowed = THIRD_PARTY.get(key)
                if allowed is not None and layer not in allowed:
                    fail(f"{rel}: layer {layer} includes <{name}>, which only "
                         f"{sorted(allowed)} may include")
    inc = os.path.join(src, "include", "convtrack")
    for h in sorted(os.listdir(inc)):
        layer = owners.get(h)
        if not h.endswith(".h") or layer is None:
            continue
        text = open(os.path.join(inc, h), encoding="utf-8").read()
        for kind, name in INCLUDE.findall(text):
            checked += 1
            if name.startswith("convtrack/"):
                owner = owners.get(name[len("convtrack/"):])
                if owner is not None and owner not in ALLOWED[layer]:
                    fail(f"include/convtrack/{h}: a header of layer {layer} "
                         f"includes {name} of layer {owner}, which is not below it")
            elif kind == '"':
                fail(f'include/convtrack/{h}: includes private "{name}"')
            else:
                allowed = THIRD_PARTY.get(name.split("/")[0])
                if allowed is not None and layer not in allowed:
                    fail(f"include/convtrack/{h}: layer {layer} exposes <{name}>")
    print(f"includes: {checked} checked")


def readelf_needed(path):
    out = subprocess.run(["readelf", "-d", path], check=True,
                         capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def check_pure_tests(build, src):
    table = open(os.path.join(src, "tests", "CMakeLists.txt")).read()
    pure = sorted(re.findall(r"\b(test_\w+)=(?:core|text)\b", table))
    pure += sorted(os.path.basename(f)[:-2] for f in
                   os.listdir(os.path.join(src, "tests", "eval"))
                   if f.startswith("eval_") and f.endswith(".c"))
    seen = 0
    for name in pure:
        if name.startswith("test_") and not os.path.exists(
                os.path.join(src, "tests", "unit", name + ".c")):
            continue  # listed in the table, no such test (yet)
        sub = "tests/eval" if name.startswith("eval_") else "tests"
        binary = os.path.join(build, sub, name)
        link = os.path.join(build, sub, "CMakeFiles", name + ".dir", "link.txt")
        if not os.path.exists(binary) or not os.path.exists(link):
            fail(f"{name}: not built ({binary})")
            continue
        seen += 1
        line = open(link).read()
        if "--no-as-needed" not in line:
            fail(f"{name}: not linked with --no-as-needed, so readelf would "
                 "hide what its layer drags in")
        for lib in FORBIDDEN_LIBS:
            short = lib[3:]
            if re.search(r"(-l%s\b|%s[.-])" % (re.escape(short), re.escape(lib)), line):
                fail(f"{name}: its link line names {lib}")
        needed = readelf_needed(binary)
        for lib in FORBIDDEN_LIBS:
            if any(n.startswith(lib + ".") or n.startswith(lib + "-") for n in needed):
                fail(f"{name}: needs {lib} ({', '.join(needed)})")
    if seen < 10:
        fail(f"only {seen} core/text test binaries found in {build}")
    print(f"pure tests: {seen} binaries linked without an I/O library")


def archive_symbols(lib):
    """{member name: (defined, used)} of the objects in a static library."""
    result = {}

    def collect(flags, slot):
        out = subprocess.run(["nm", "-A"] + flags + [lib], check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.match(r"^[^:]+:([^:]+):\s*(?:[0-9a-fA-F]+\s+)?\w\s+(\S+)$", line)
            if not m:
                continue
            member = re.sub(r"\.c\.o$|\.o$", "", m.group(1))
            result.setdefault(member, (set(), set()))[slot].add(m.group(2))

    collect(["--defined-only", "-g"], 0)
    collect(["-u"], 1)
    return result


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sccs


def layer_symbols(build):
    """{layer: {object name: (defined, used)}} from the layers' archives."""
    result = {}
    for layer in LAYERS:
        lib = os.path.join(build, "src", f"libconvtrack_{layer}.a")
        if not os.path.exists(lib):
            fail(f"layer {layer}: {lib} is missing")
            continue
        result[layer] = archive_symbols(lib)
        if not result[layer]:
            fail(f"layer {layer}: {lib} holds no object")
    return result


def check_calls(syms):
    home = {}
    for layer, objs in syms.items():
        for defined, _ in objs.values():
            for s in defined:
                home[s] = layer
    calls = 0
    for layer, objs in syms.items():
        for name, (_, used) in sorted(objs.items()):
            for s in sorted(used):
                if s not in home:
                    continue
                calls += 1
                if home[s] not in ALLOWED[layer]:
                    fail(f"src/{layer}/{name}: calls {s} of layer {home[s]}, "
                         "which is not below it")
    print(f"calls between layers: {calls} checked")


def check_cycles(syms):
    for layer, objs in syms.items():
        syms_ = objs
        owner = {}
        for name, (defined, _) in syms_.items():
            for s in defined:
                owner[s] = name
        graph = {name: sorted({owner[s] for s in used if s in owner and owner[s] != name})
                 for name, (_, used) in syms_.items()}
        found = cycles(graph)
        for comp in found:
            fail(f"layer {layer}: files call each other in a circle: "
                 + " <-> ".join(comp))
        edges = sum(len(v) for v in graph.values())
        print(f"layer {layer}: {len(objs)} files, {edges} calls between them, "
              f"{'no cycle' if not found else str(len(found)) + ' cycle(s)'}")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    src, build = sys.argv[1], sys.argv[2]
    owners = header_owners(src)
    check_includes(src, owners)
    check_pure_tests(build, src)
    syms = layer_symbols(build)
    check_calls(syms)
    check_cycles(syms)
    if failures:
        print(f"{len(failures)} failed, 0 passed")
        return 1
    print("layers: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
