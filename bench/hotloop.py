#!/usr/bin/env python3
"""The hot loop C2 compiled for one JMH benchmark, instruction by instruction, with counts.

Where hardware counters are missing (`perf stat -e instructions true` prints "<not supported>",
as in the firecracker VMs this project is developed on), `-prof perfnorm` cannot attribute a
benchmark's time. The compiled loop can still be read: its instruction count, its loads and
stores, its fences. That is exact and repeatable (the same jar and JDK give the same loop), and
it is what issue 10's "read instruction by instruction" needs.

    ./pfncache bench hotloop 'HotPathT1.enterCheckRead' -p strategy=srcu [--jdk PATH] [--listing]

Runs the benchmark in one short fork with -XX:CompileCommand=print on JMH's generated stub,
takes the last C2 compilation of it, finds the measurement loop (the block that ends in the
safepoint poll's back-branch) and prints counts and, with --listing, the loop itself. Needs
python3 and objdump (binutils). An hsdis plugin is not needed: without one HotSpot prints the
machine code as hex, which objdump decodes; with one its own listing is used.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")


def usage(msg=None):
    if msg:
        print("hotloop: " + msg, file=sys.stderr)
    print("usage: ./pfncache bench hotloop Class.method [-p name=value ...] [--jdk PATH] [--listing]",
          file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    bench, params, jdk, listing = None, [], None, False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-p" and i + 1 < len(argv):
            params.append(argv[i + 1])
            i += 2
        elif a == "--jdk" and i + 1 < len(argv):
            jdk = argv[i + 1]
            i += 2
        elif a.startswith("--jdk="):
            jdk = a[len("--jdk="):]
            i += 1
        elif a == "--listing":
            listing = True
            i += 1
        elif a in ("-h", "--help"):
            usage()
        elif bench is None and not a.startswith("-"):
            bench = a
            i += 1
        else:
            usage("unexpected argument " + a)
    if bench is None or not re.fullmatch(r"[A-Za-z0-9_]+\.[A-Za-z0-9_]+", bench):
        usage("name one benchmark as Class.method (e.g. HotPathT1.enterCheckRead)")
    return bench, params, jdk, listing


def run_fork(bench, params, jdk):
    cls, method = bench.split(".")
    java = os.path.join(jdk, "bin", "java") if jdk else "java"
    stub = "*%s_%s_jmhTest::%s_avgt_jmhStub" % (cls, method, method)
    cmd = [java, "--enable-native-access=ALL-UNNAMED", "-jar", JAR, "^org.pfncache.bench.%s\\.%s$" % (cls, method),
           "-bm", "avgt", "-f", "1", "-wi", "5", "-w", "1", "-i", "1", "-r", "1", "-foe", "true",
           "-jvmArgsAppend", "-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,%s "
           "-XX:PrintAssemblyOptions=intel" % stub]
    for p in params:
        cmd += ["-p", p]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-4000:] + out.stderr[-4000:])
        sys.exit("hotloop: the benchmark run failed (exit %d)" % out.returncode)
    return out.stdout + out.stderr


def last_c2_block(text):
    """The [MachCode] lines of the last C2 compilation in the output."""
    at = text.rfind("Compiled method (c2)")
    if at < 0:
        sys.exit("hotloop: no C2 compilation of the stub was printed (too short a run?)")
    rest = text[at:]
    m = re.search(r"\[MachCode\]\n(.*?)\n\[/MachCode\]", rest, re.S)
    if m:
        return m.group(1).split("\n"), False
    # With an hsdis plugin there is no [MachCode] block; the listing follows the header.
    end = rest.find("[Exception Handler]")
    return rest[:end if end > 0 else len(rest)].split("\n"), True


ADDR = re.compile(r"^\s+0x([0-9a-f]+):\s+(.*)$")


def instructions(lines, decoded):
    """[(address, text, [annotations])] for the block, decoding hex with objdump if needed."""
    if decoded:
        out = []
        for line in lines:
            m = ADDR.match(line)
            if m and not m.group(2).startswith(";"):
                text = re.sub(r"\s+", " ", m.group(2)).strip()
                out.append([int(m.group(1), 16), text, []])
            elif out and line.strip().startswith(";"):
                out[-1][2].append(line.strip())
        return out
    data, base, notes, last = bytearray(), None, {}, None
    for line in lines:
        m = ADDR.match(line)
        if not m:
            if line.strip().startswith(";") and last is not None:
                notes.setdefault(last, []).append(line.strip())
            continue
        addr, rest = int(m.group(1), 16), m.group(2)
        if rest.startswith(";"):
            notes.setdefault(addr, []).append(rest.strip())
            last = addr
            continue
        if base is None:
            base = addr
        chunk = bytes.fromhex(rest.replace("|", "").replace(" ", ""))
        off = addr - base
        data[len(data):off] = b"\0" * max(0, off - len(data))
        data[off:off + len(chunk)] = chunk
        last = addr
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        dis = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "-Mintel",
                              "--adjust-vma=%#x" % base, path], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        sys.exit("hotloop: objdump (binutils) is needed to decode the machine code")
    finally:
        os.unlink(path)
    out = []
    for line in dis.split("\n"):
        m = re.match(r"^\s+([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(.*)$", line)
        if not m or not m.group(2):
            continue
        out.append([int(m.group(1), 16), re.sub(r"\s+", " ", m.group(2)).strip(), []])
    # The hex dump starts its lines on 4-byte boundaries, so an annotation's address may fall
    # inside the instruction before the one it belongs to: it goes to the next one that starts.
    k = 0
    for addr in sorted(notes):
        while k < len(out) and out[k][0] < addr:
            k += 1
        if k < len(out):
            out[k][2].extend(notes[addr])
    return out


def find_loop(ins):
    """The measurement loop: from the back-branch target to the branch after the {poll}."""
    for i, (addr, text, notes) in enumerate(ins):
        if any("{poll}" in n for n in notes) or "{poll}" in text:
            for j in range(i, min(i + 6, len(ins))):
                m = re.match(r"^j\w+\s+(?:0x)?([0-9a-f]+)", ins[j][1])
                if m and not ins[j][1].startswith("jmp") and int(m.group(1), 16) < ins[i][0]:
                    target = int(m.group(1), 16)
                    start = next(k for k, x in enumerate(ins) if x[0] >= target)
                    return ins[start:j + 1]
    sys.exit("hotloop: no safepoint-polled back-branch found in the compiled stub")


def classify(text):
    mnem = text.split(" ")[0]
    ops = text[len(mnem):]
    mem = "ptr [" in ops or re.search(r"\[[a-z0-9]", ops) is not None
    first = ops.split(",")[0]
    lock = mnem == "lock" or text.startswith("lock ")
    store = mem and ("[" in first) and mnem.startswith("mov")
    load = mem and not store and not mnem.startswith("lea") and not mnem.startswith("nop")
    branch = mnem.startswith("j")
    return load, store, lock, branch, mnem


def main():
    bench, params, jdk, listing = parse_args(sys.argv[1:])
    if not os.path.isfile(JAR):
        sys.exit("hotloop: %s is missing; ./pfncache bench builds it" % JAR)
    text = run_fork(bench, params, jdk)
    lines, decoded = last_c2_block(text)
    loop = find_loop(instructions(lines, decoded))
    loads = stores = locks = branches = 0
    for _, t, _ in loop:
        ld, st, lk, br, _ = classify(t)
        loads += ld
        stores += st
        locks += lk or t.startswith("mfence")
        branches += br
    vm = re.search(r"# VM version: (.*)", text)
    print("benchmark: %s %s" % (bench, " ".join("-p " + p for p in params)))
    print("JVM: %s" % (vm.group(1) if vm else "unknown"))
    print("loop: %d instructions per iteration (one benchmark operation plus JMH's loop: the "
          "operation counter, isDone load, safepoint poll: 5-6 instructions)" % len(loop))
    print("  memory reads: %d   memory writes: %d   fences (lock-prefixed, mfence): %d   branches: %d"
          % (loads, stores, locks, branches))
    if listing:
        for addr, t, notes in loop:
            for n in notes:
                if "{" in n or "metadata" in n:
                    print("      " + n[:120])
            print("  %x: %s" % (addr, t))


if __name__ == "__main__":
    main()
