#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Regenerates the test fixtures of test_gunzip and test_image (run it here).

The gzip files come from gzip(1) and Python's zlib; multi.gz decodes to the
output of lcg_text(), which test_gunzip.c recomputes.
"""
import os
import random
import struct
import subprocess
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def gzip_cli(data, level):
    return subprocess.run(["gzip", "-n", "-c", f"-{level}"], input=data,
                          stdout=subprocess.PIPE, check=True).stdout


def lcg_text(n):
    """'a'/'b' noise with copies from up to 32 KiB back (as in test_gunzip.c)."""
    state = 12345
    out = bytearray()

    def rnd():
        nonlocal state
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        return state >> 16

    while len(out) < n:
        r = rnd()
        if r % 64 == 0 and len(out) > 1024:
            dist = 1 + rnd() % min(len(out), 32768)
            run = 3 + rnd() % 200
            for _ in range(run):
                out.append(out[len(out) - dist])
        else:
            out.append(ord("a") + rnd() % 2)
    return bytes(out[:n])


def gzip_member(deflate, data, flags=0, extra=b"", name=b"", comment=b""):
    hdr = bytearray(b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\x02\x03")
    if flags & 0x04:
        hdr += struct.pack("<H", len(extra)) + extra
    if flags & 0x08:
        hdr += name + b"\0"
    if flags & 0x10:
        hdr += comment + b"\0"
    if flags & 0x02:
        hdr += struct.pack("<H", zlib.crc32(hdr) & 0xFFFF)
    return bytes(hdr) + deflate + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def main():
    rng = random.Random(1952)

    # A stored block: incompressible data at level 0.
    stored = bytes(rng.getrandbits(8) for _ in range(2000))
    write("stored.bin", stored)
    c = zlib.compressobj(0, zlib.DEFLATED, -15)
    write("stored.gz", gzip_member(c.compress(stored) + c.flush(), stored))

    # Short text: gzip picks the fixed Huffman code.
    fixed = b"hello, hello, hello nestbox! the quick brown fox, the quick brown fox\n"
    write("fixed.txt", fixed)
    write("fixed.gz", gzip_cli(fixed, 9))

    # Longer text: a dynamic Huffman block.
    words = ("kernel guest vcpu memory virtio block net serial timer interrupt "
             "device tree boot image page table firmware console").split()
    text = " ".join(rng.choice(words) for _ in range(500)).encode() + b"\n"
    write("dynamic.txt", text)
    write("dynamic.gz", gzip_cli(text, 9))

    write("empty.gz", gzip_cli(b"", 9))
    write("zeros.gz", gzip_cli(bytes(256 * 1024), 9))

    # Many dynamic blocks (memLevel 4: 1024 symbols a block) with matches up
    # to 32 KiB back, in zlib's gzip container (wbits 31).
    c = zlib.compressobj(9, zlib.DEFLATED, 31, 4)
    write("multi.gz", c.compress(lcg_text(64 * 1024)) + c.flush())

    # Stored, fixed and dynamic blocks in one stream, each referring back to
    # the previous blocks' output (zdict), after a header with every field.
    a = b"stored block data " * 20
    b = b"fixed block data refers to stored block data " * 4
    d = b"dynamic block data " + bytes(rng.choice(b"abcdefgh") for _ in range(600)) + a
    s0 = zlib.compressobj(0, zlib.DEFLATED, -15)
    part = s0.compress(a) + s0.flush(zlib.Z_SYNC_FLUSH)
    s1 = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_FIXED, zdict=a)
    part += s1.compress(b) + s1.flush(zlib.Z_SYNC_FLUSH)
    s2 = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=a + b)
    part += s2.compress(d) + s2.flush()
    write("mixed.bin", a + b + d)
    write("mixed.gz", gzip_member(part, a + b + d, flags=0x1F, extra=b"AB\x02\0xy",
                                  name=b"mixed.bin", comment=b"nestbox fixture"))

    # A fake 64 KiB arm64 Image: text_offset 0x80000, image_size 192 KiB,
    # flags: little-endian, 4K pages, placement anywhere.
    img = bytearray(64 * 1024)
    lines = b"".join(b"nestbox fake arm64 kernel, line %05d\n" % i for i in range(1500))
    img[4096:4096 + len(lines)] = lines
    struct.pack_into("<IIQQQQQQII", img, 0, 0x91005A4D, 0x14000000, 0x80000, 0x30000,
                     0xA, 0, 0, 0, 0x644D5241, 0)
    write("image.bin", bytes(img))
    write("image.gz", gzip_cli(bytes(img), 9))


if __name__ == "__main__":
    main()
