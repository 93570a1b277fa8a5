"""Read image and PDF facts from base64 data without decoding the whole payload.

Base64 maps every 3 bytes to 4 characters, so any byte range can be decoded from the
matching slice of characters: reading the PNG/GIF/WebP header costs a few dozen
characters, and a JPEG's frame header is found by hopping from segment to segment
(reading 4 bytes per hop) up to a bounded offset. Nothing here raises on bad input:
undecodable or unrecognised data gives ``None``.
"""

from __future__ import annotations

import base64
import binascii
import re

PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"

# How far into a JPEG to look for the frame header, and how many segments to hop.
JPEG_MAX_OFFSET = 4 * 1024 * 1024
JPEG_MAX_SEGMENTS = 1024
# Start-of-frame markers (C4 DHT, C8 JPG and CC DAC are not frames).
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_STANDALONE = frozenset({0x01, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7})

# Other formats worth naming when the declared type is wrong.
_OTHER_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "application/pdf"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"\x00\x00\x01\x00", "image/x-icon"),
    (0, b"<svg", "image/svg+xml"),
    (0, b"<?xml", "image/svg+xml"),
)
_FTYP_BRANDS = {b"heic": "image/heic", b"heix": "image/heic", b"mif1": "image/heif", b"avif": "image/avif"}


def read(data: str, offset: int, length: int) -> bytes | None:
    """Decoded bytes ``[offset, offset + length)`` of base64 ``data`` (fewer at the end)."""
    if offset < 0 or length <= 0:
        return None
    start = (offset // 3) * 4
    end = ((offset + length + 2) // 3) * 4
    chunk = data[start:end]
    if not chunk:
        return None
    if len(chunk) % 4:
        chunk += "=" * (-len(chunk) % 4)
    try:
        raw = base64.b64decode(chunk, validate=True)
    except (binascii.Error, ValueError):
        return None
    skip = offset - (start // 4) * 3
    return raw[skip : skip + length]


def clean_prefix(data: str, chars: int = 64) -> bool:
    """Whether the start of ``data`` is plain base64 (no whitespace, no data: prefix)."""
    head = data[:chars]
    return bool(head) and re.fullmatch(r"[A-Za-z0-9+/=]+", head) is not None


_WHITESPACE = ("\n", "\r", " ", "\t")
# Outside every base64 alphabet (standard and URL-safe, padding and line breaks allowed):
# such data cannot be decoded at all.
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=_\-\s]")


def first_non_base64(data: str) -> int | None:
    """Offset of the first character no base64 alphabet has, or None (one C regex pass)."""
    found = _NOT_BASE64.search(data)
    return found.start() if found else None


def has_whitespace(data: str) -> bool:
    return any(c in data for c in _WHITESPACE)


def decoded_size(data: str) -> int:
    """Decoded byte count implied by the length of base64 ``data`` (whitespace not counted)."""
    text = data.rstrip()
    n = len(text) - sum(text.count(c) for c in _WHITESPACE)
    padding = 0
    if text.endswith("=="):
        padding = 2
    elif text.endswith("="):
        padding = 1
    return max((n * 3) // 4 - padding, 0)


SNIFF_BYTES = 16  # every signature sniff() knows lies within the first 16 bytes


def sniff(data: str) -> str | None:
    """The media type the first bytes of base64 ``data`` show, or ``None`` if unknown."""
    head = read(data, 0, SNIFF_BYTES)
    if head is None:
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"GIF87a") or head.startswith(b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    for offset, signature, kind in _OTHER_SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return kind
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12])
    return None


def dimensions(data: str, kind: str | None = None) -> tuple[int, int] | None:
    """(width, height) from the image header, or ``None`` when it cannot be read cheaply."""
    kind = kind or sniff(data)
    try:
        if kind == PNG:
            return _png(data)
        if kind == GIF:
            return _gif(data)
        if kind == WEBP:
            return _webp(data)
        if kind == JPEG:
            return _jpeg(data)
    except (IndexError, ValueError):  # pragma: no cover - defensive
        return None
    return None


def _png(data: str) -> tuple[int, int] | None:
    head = read(data, 0, 24)
    if head is None or len(head) < 24 or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _gif(data: str) -> tuple[int, int] | None:
    head = read(data, 0, 10)
    if head is None or len(head) < 10:
        return None
    return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")


def _webp(data: str) -> tuple[int, int] | None:
    head = read(data, 0, 30)
    if head is None or len(head) < 25:
        return None
    chunk = head[12:16]
    if chunk != b"VP8L" and len(head) < 30:
        return None
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        if head[20] != 0x2F:
            return None
        b = head[21:25]
        width = 1 + (b[0] | ((b[1] & 0x3F) << 8))
        height = 1 + ((b[1] >> 6) | (b[2] << 2) | ((b[3] & 0x0F) << 10))
        return width, height
    if chunk == b"VP8 ":
        if head[23:26] != b"\x9d\x01\x2a":
            return None
        width = int.from_bytes(head[26:28], "little") & 0x3FFF
        height = int.from_bytes(head[28:30], "little") & 0x3FFF
        return width, height
    return None


def _jpeg(data: str) -> tuple[int, int] | None:
    offset = 2
    for _ in range(JPEG_MAX_SEGMENTS):
        if offset > JPEG_MAX_OFFSET:
            return None
        head = read(data, offset, 4)
        if head is None or len(head) < 2 or head[0] != 0xFF:
            return None
        marker = head[1]
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker in _STANDALONE or marker == 0xD8:
            offset += 2
            continue
        if marker in (0xD9, 0xDA) or len(head) < 4:
            return None  # end of image or start of scan before any frame header
        length = int.from_bytes(head[2:4], "big")
        if length < 2:
            return None
        if marker in _SOF:
            frame = read(data, offset + 5, 4)
            if frame is None or len(frame) < 4:
                return None
            height, width = int.from_bytes(frame[0:2], "big"), int.from_bytes(frame[2:4], "big")
            return width, height
        offset += 2 + length
    return None


_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def pdf_pages(data: str, max_chars: int) -> int | None:
    """Pages counted as ``/Type /Page`` objects in the first ``max_chars`` of base64 data.

    A lower bound: PDFs that keep page objects in compressed object streams show none,
    and pages past the prefix are not seen. ``None`` when nothing could be counted.
    """
    if max_chars <= 0:
        return None
    prefix = data[: max_chars - max_chars % 4]
    if len(prefix) % 4:
        return None
    try:
        raw = base64.b64decode(prefix, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(b"%PDF") and b"%PDF" not in raw[:1024]:
        return None
    count = len(_PAGE.findall(raw))
    return count or None
