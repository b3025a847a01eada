#!/usr/bin/env python3
"""Builds the seed corpora from the real files in seeds/ (from CPython's test data, PSF
licence): each file as it is, with the metadata the image check must strip added, and each
wrapped in an upload body for the multipart reader."""
import os, struct, zlib

here = os.path.dirname(os.path.abspath(__file__))
seeds = os.path.join(here, "seeds")
images_dir = os.path.join(here, "corpus", "image_check")
uploads_dir = os.path.join(here, "corpus", "multipart_upload")
os.makedirs(images_dir, exist_ok=True)
os.makedirs(uploads_dir, exist_ok=True)

def exif_orientation(value):
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 1)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, value, 0) + b"\x00\x00\x00\x00"
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload

def jpeg_variants(data):
    comment = b"a comment"
    com = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x00"
    app13 = b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc
    yield "exif-rotated", data[:2] + exif_orientation(6) + com + app13 + data[2:]

def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

def png_variants(data):
    extra = png_chunk(b"tEXt", b"Comment\x00hello") + png_chunk(b"tIME", b"\x07\xea\x0b\x1e\x0c\x00\x00")
    yield "text", data[:33] + extra + data[33:]

def gif_variants(data):
    comment = b"\x21\xfe\x05hello\x00"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    # After the header, screen descriptor and global colour table.
    flags = data[10]
    table = 3 * (2 ** ((flags & 7) + 1)) if flags & 0x80 else 0
    at = 13 + table
    yield "comment-loop", data[:at] + loop + comment + data[at:]

variants = {"jpg": jpeg_variants, "png": png_variants, "gif": gif_variants}

def upload(name, data, chunk):
    b = "imgbatchfuzz"
    parts = [
        f'--{b}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nmake it blue\r\n'.encode(),
        f'--{b}\r\nContent-Disposition: form-data; name="model"\r\n\r\ndemo\r\n'.encode(),
        f'--{b}\r\nContent-Disposition: form-data; name="images"; filename="trip/{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n",
        f"--{b}--\r\n".encode(),
    ]
    return bytes([chunk]) + b"".join(parts)

for file in sorted(os.listdir(seeds)):
    data = open(os.path.join(seeds, file), "rb").read()
    stem, ext = os.path.splitext(file)
    found = [(file, data)]
    for label, variant in variants.get(ext[1:], lambda d: [])(data):
        found.append((f"{stem}-{label}{ext}", variant))
    for name, body in found:
        open(os.path.join(images_dir, name), "wb").write(body)
        for chunk in (255, 7):
            open(os.path.join(uploads_dir, f"{name}.{chunk}"), "wb").write(upload(name, body, chunk))
