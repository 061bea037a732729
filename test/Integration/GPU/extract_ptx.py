"""Prints the PTX of the gpu.objects in an MLIR file (format=isa).

extract_ptx.py FILE [KERNEL]: all objects, or only those defining KERNEL.
"""
import re
import sys

text = open(sys.argv[1]).read()
objects = list(re.finditer(r'assembly = "((?:[^"\\]|\\.)*)"', text))
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
    if len(sys.argv) < 3 or f".entry {sys.argv[2]}(" in ptx:
        sys.stdout.write(ptx)
