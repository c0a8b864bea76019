"""Uploaded photos are decoded and encoded again: metadata gone, picture kept upright, bad files refused."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from pb_service.core.uploads import IMAGES_AND_PDF, MAX_IMAGE_PIXELS, open_upload, save_upload
from pb_service.core.validation import ServiceValidationError
from tests.editions_factories import PNG_BYTES, image_bytes

GPS_INFO, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F


def _upload(content: bytes, name: str):
    return save_upload(FileStorage(io.BytesIO(content), filename=name), IMAGES_AND_PDF, owner=1)


def test_a_phone_photo_loses_its_exif_and_keeps_its_orientation(in_request):
    exif = Image.Exif()
    exif[MAKE] = "Phone"
    exif[ORIENTATION] = 6  # the camera was turned: viewers rotate the picture 90° clockwise
    exif.get_ifd(GPS_INFO).update({1: "N", 2: (54.0, 21.0, 0.0)})
    photo = image_bytes("JPEG", size=(40, 20), exif=exif.tobytes())
    assert Image.open(io.BytesIO(photo)).getexif()[MAKE] == "Phone"

    stored = _upload(photo, "IMG_0001.jpg")
    with open_upload(stored.stored_name, owner=1) as file:
        kept = Image.open(io.BytesIO(file.read()))
    assert (stored.kind, kept.format, kept.size) == ("jpeg", "JPEG", (20, 40))
    assert dict(kept.getexif()) == {} and "exif" not in kept.info
    assert stored.original_name == "IMG_0001.jpg"


@pytest.mark.parametrize("kind, extension", [("PNG", "png"), ("WEBP", "webp")])
def test_png_and_webp_are_stored_without_their_text_chunks(in_request, kind, extension):
    if kind == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", "<script>alert(1)</script>")
        picture = image_bytes(kind, pnginfo=info)
    else:
        picture = image_bytes(kind, exif=Image.Exif().tobytes())
    stored = _upload(picture, f"plan.{extension}")
    with open_upload(stored.stored_name, owner=1) as file:
        content = file.read()
    assert b"script" not in content and Image.open(io.BytesIO(content)).size == (4, 2)


def test_a_picture_that_does_not_decode_is_refused(in_request):
    truncated = PNG_BYTES[: len(PNG_BYTES) // 2]
    with pytest.raises(ServiceValidationError) as refused:
        _upload(truncated, "mapa.png")
    assert refused.value.errors == {"file": ["This picture could not be read; save it again as JPEG or PNG and retry."]}


def test_a_decompression_bomb_is_refused_before_decoding(in_request):
    # 8,000 × 7,000 pixels of one colour compress to a few kilobytes.
    bomb = image_bytes("PNG", size=(8_000, 7_000))
    assert len(bomb) < 1_000_000
    with pytest.raises(ServiceValidationError) as refused:
        _upload(bomb, "bomb.png")
    assert refused.value.errors == {"file": ["The picture is too large: at most 18 million pixels."]}


def test_the_limits_fit_a_phone_photo_and_a_scanned_plan_and_stored_photos_are_screen_sized(in_request):
    assert MAX_IMAGE_PIXELS == {"jpeg": 25_000_000, "png": 18_000_000, "webp": 12_000_000}
    # A 24-megapixel phone photo (the largest phones make by default) is taken, and stored smaller.
    stored = _upload(image_bytes("JPEG", size=(5712, 4284)), "IMG_0002.jpg")
    with open_upload(stored.stored_name, owner=1) as file:
        assert Image.open(io.BytesIO(file.read())).size == (2560, 1920)
    # An A3 plan scanned at 300 dpi as PNG is taken; a 48-megapixel photo is not.
    assert _upload(image_bytes("PNG", size=(3508, 4961)), "plan.png").kind == "png"
    with pytest.raises(ServiceValidationError) as refused:
        _upload(image_bytes("JPEG", size=(8000, 6000)), "IMG_48MP.jpg")
    assert refused.value.errors == {"file": ["The picture is too large: at most 25 million pixels."]}
