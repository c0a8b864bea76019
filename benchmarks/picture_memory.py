"""Peak memory of re-encoding the largest picture each kind accepts, one process per picture.

    python benchmarks/picture_memory.py

Each picture (the kind's pixel limit, ``pb_service.core.uploads.MAX_IMAGE_PIXELS``, at a phone's
4:3, colour with alpha where the kind has it) is made here, then a fresh Python process
re-encodes it with ``reencode_image`` as an upload would, after one small picture (imports and
first-use buffers), and prints how far its peak resident memory (Linux ``VmHWM``, reset just
before) rose above its resident memory before the picture. Since a
worker decodes one picture at a time, the largest line bounds a worker's memory for pictures.
"""
from __future__ import annotations

import io
import math
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from pb_service.core.uploads import MAX_IMAGE_PIXELS  # noqa: E402

MEASURE = """
import io, sys
from PIL import Image
from pb_service.core.uploads import reencode_image

def kilobytes(field):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field + ":"))

warm_up = io.BytesIO()
Image.new("RGB", (16, 16)).save(warm_up, "PNG")
reencode_image(warm_up.getvalue(), "png")
content, kind = open(sys.argv[1], "rb").read(), sys.argv[2]
open("/proc/self/clear_refs", "w").write("5")  # the peak (VmHWM) starts again from now
before = kilobytes("VmRSS")
stored = Image.open(io.BytesIO(reencode_image(content, kind)))
print(f"{(kilobytes('VmHWM') - before) / 1024:.0f} {stored.size[0]}x{stored.size[1]}")
"""
FORMATS = {"jpeg": ("JPEG", "RGB"), "png": ("PNG", "RGBA"), "webp": ("WEBP", "RGBA")}


def largest_picture(kind: str) -> tuple[bytes, tuple[int, int]]:
    width = int(math.sqrt(MAX_IMAGE_PIXELS[kind] * 4 / 3))
    size = (width, MAX_IMAGE_PIXELS[kind] // width)
    pil_format, mode = FORMATS[kind]
    buffer = io.BytesIO()
    Image.new(mode, size, (30, 120, 60, 255)[: len(mode)]).save(buffer, pil_format)
    return buffer.getvalue(), size


def main() -> None:
    print(f"{'kind':6} {'limit':>12} {'picture':>11} {'peak growth':>12} {'stored':>11}")
    for kind in MAX_IMAGE_PIXELS:
        content, size = largest_picture(kind)
        with tempfile.NamedTemporaryFile(suffix=f".{kind}") as file:
            file.write(content)
            file.flush()
            grown, stored = subprocess.run(
                [sys.executable, "-c", MEASURE, file.name, kind], cwd=ROOT, check=True, capture_output=True, text=True,
            ).stdout.split()
        print(f"{kind:6} {MAX_IMAGE_PIXELS[kind]:>12,} {size[0]}x{size[1]:<6} {grown:>9} MB {stored:>11}")


if __name__ == "__main__":
    main()
