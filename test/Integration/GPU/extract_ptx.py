"""Prints the PTX of the gpu.objects in an MLIR file (format=isa).

extract_ptx.py FILE [KERNEL]: all objects, or only those of the gpu.binary
named KERNEL (when there is one; one function can be outlined into several
binaries, e.g. attn_kernel and attn_kernel_0, whose entries share a name),
else those defining KERNEL.
"""
import re
import sys

text = open(sys.argv[1]).read()
objects = list(re.finditer(r'assembly = "((?:[^"\\]|\\.)*)"', text))
binaries = [(m.start(), m.group(1))
            for m in re.finditer(r'gpu\.binary @([A-Za-z0-9_]+)', text)]
by_binary = len(sys.argv) >= 3 and any(n == sys.argv[2] for _, n in binaries)
for m in objects:
    raw, out, i = m.group(1), bytearray(), 0
    while i < len(raw):
        if raw[i] != "\\":
            out += raw[i].encode()
            i += 1
        elif raw[i + 1] in '\\"':
            out += raw[i + 1].encode()
            i += 2
        else:
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
    ptx = out.decode().rstrip("\0")
    name = [n for pos, n in binaries if pos < m.start()][-1:]
    if (len(sys.argv) < 3 or
            (by_binary and name == [sys.argv[2]]) or
            (not by_binary and f".entry {sys.argv[2]}(" in ptx)):
        sys.stdout.write(ptx)
