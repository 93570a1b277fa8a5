"""Media rules (MD*) and the header parser behind them. Images are built here, byte by byte."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_preflight import validate
from claude_preflight.checks import _images
from claude_preflight.report import Report

AS_OF = "2026-11-24"


# ---------------------------------------------------------------------- fixtures


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int) -> bytes:
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + _chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + _chunk(b"IEND", b"")


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00" + b"\x2c" + b"\x00" * 9 + b"\x3b"


def webp_vp8x(width: int, height: int) -> bytes:
    payload = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


def webp_vp8l(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", bits)
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload + b"\x00"


def webp_vp8(width: int, height: int) -> bytes:
    frame = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    payload = b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


def jpeg(width: int, height: int, exif: int = 0, progressive: bool = False, fill: bool = False) -> bytes:
    out = b"\xff\xd8"
    out += b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    if exif:  # a large APP1 segment before the frame header, as cameras write
        out += b"\xff\xe1" + struct.pack(">H", exif + 2) + b"E" * exif
    out += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(range(64))
    if fill:
        out += b"\xff\xff"
    marker = b"\xc2" if progressive else b"\xc0"
    out += b"\xff" + marker + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    out += b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00" + b"\x00" * 16 + b"\xff\xd9"
    return out


def pdf(pages: int) -> bytes:
    objects = ["<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Count %d>>" % pages] + ["<</Type /Page /Parent 2 0 R>>"] * pages
    body = b"%PDF-1.7\n" + b"".join(f"{i + 1} 0 obj\n{o}\nendobj\n".encode() for i, o in enumerate(objects))
    return body + b"%%EOF\n"


def image(data: str, media_type: str = "image/png", **extra: Any) -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}, **extra}


def document(source: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "document", "source": source, **extra}


def user(*blocks: dict[str, Any], question: str = "What is this?") -> list[dict[str, Any]]:
    return [{"role": "user", "content": [*blocks, {"type": "text", "text": question}]}]


def run(messages: list[dict[str, Any]], model: str = "claude-sonnet-4-6", **kwargs: Any) -> Report:
    extra = kwargs.pop("extra", {})
    request = {"model": model, "max_tokens": 1024, "messages": messages, **extra}
    return validate(request, as_of=kwargs.pop("as_of", AS_OF), **kwargs)


def hits(report: Report, code: str) -> list[Any]:
    return [f for f in report.findings if f.code == code]


# ---------------------------------------------------------------------- the parser


@pytest.mark.parametrize(
    ("raw", "kind", "size"),
    [
        (png(1, 1), "image/png", (1, 1)),
        (png(9000, 20), "image/png", (9000, 20)),
        (gif(640, 480), "image/gif", (640, 480)),
        (webp_vp8x(4000, 2500), "image/webp", (4000, 2500)),
        (webp_vp8l(1920, 1080), "image/webp", (1920, 1080)),
        (webp_vp8(2048, 1536), "image/webp", (2048, 1536)),
        (jpeg(2560, 1600), "image/jpeg", (2560, 1600)),
        (jpeg(8192, 100, exif=60000), "image/jpeg", (8192, 100)),
        (jpeg(3000, 4000, progressive=True, fill=True), "image/jpeg", (3000, 4000)),
    ],
)
def test_dimensions_from_headers(raw: bytes, kind: str, size: tuple[int, int]) -> None:
    data = b64(raw)
    assert _images.sniff(data) == kind
    assert _images.dimensions(data) == size


def test_every_byte_offset_decodes_the_same_bytes() -> None:
    raw = bytes(range(256)) * 3
    data = b64(raw)
    for offset in range(0, 300, 7):
        for length in (1, 2, 3, 4, 5, 17):
            assert _images.read(data, offset, length) == raw[offset : offset + length]


def test_unreadable_data_gives_none() -> None:
    assert _images.dimensions(b64(b"\xff\xd8\xff\xe0"), "image/jpeg") is None  # truncated
    assert _images.sniff("not base64 !!!") is None
    assert _images.dimensions("iVBORw0K", "image/png") is None
    assert _images.sniff(b64(b"BM\x00\x00")) == "image/bmp"
    assert _images.sniff(b64(b"%PDF-1.4\n")) == "application/pdf"
    assert not _images.clean_prefix("iVBO\nRw0K")
    assert not _images.clean_prefix("data:image/png;base64,iVBORw0K")


def test_jpeg_search_is_bounded() -> None:
    # a frame header beyond the scan window is not searched for
    raw = b"\xff\xd8" + (b"\xff\xe1" + struct.pack(">H", 65535) + b"E" * 65533) * 70 + jpeg(9000, 9000)[2:]
    assert _images.dimensions(b64(raw), "image/jpeg") is None


def test_wrapped_base64_is_not_misread() -> None:
    raw = b64(jpeg(9000, 100, exif=300))
    wrapped = "\n".join(raw[i : i + 76] for i in range(0, len(raw), 76))
    assert _images.decoded_size(wrapped) == len(base64.b64decode(raw))
    report = run(user(image(wrapped, "image/jpeg", transformations={"oversized_image": "error"})))
    assert not hits(report, "MD005") and not hits(report, "MD004")


def test_decoded_size_and_pdf_pages() -> None:
    for n in (0, 1, 2, 3, 100, 101):
        assert _images.decoded_size(b64(b"x" * n)) == n
    assert _images.pdf_pages(b64(pdf(7)), 1_000_000) == 7
    assert _images.pdf_pages(b64(pdf(7)), 40) is None  # the prefix holds no page object yet
    assert _images.pdf_pages(b64(b"plain text"), 1000) is None


# ---------------------------------------------------------------------- MD001..MD005


def test_image_source_kinds() -> None:
    ok = {"type": "image", "source": {"type": "file", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}}
    assert not hits(run(user(ok)), "MD001")
    bad = {"type": "image", "source": {"type": "url", "url": "data:image/png;base64," + b64(png(1, 1))}}
    assert [f.path for f in hits(run(user(bad)), "MD001")] == ["/messages/0/content/0/source/url"]
    missing = {"type": "image", "source": {"type": "file"}}
    assert [f.path for f in hits(run(user(missing)), "MD001")] == ["/messages/0/content/0/source/file_id"]


def test_media_type_suggestion_follows_the_bytes() -> None:
    # image/jpg on PNG bytes: suggest image/png, not the image/jpeg alias
    found = hits(run(user(image(b64(png(2, 2)), "image/jpg"))), "MD002")
    assert found and found[0].fix == "set media_type to 'image/png'"
    found = hits(run(user(image(b64(b"\x00" * 30), "image/jpg"))), "MD002")
    assert found and found[0].fix == "set media_type to 'image/jpeg'"


def test_mismatch_between_declared_type_and_bytes() -> None:
    # "Image does not match the provided media type image/jpeg" (FoundationAgents/OpenManus#829)
    found = hits(run(user(image(b64(webp_vp8x(10, 10)), "image/png"))), "MD004")
    assert [(f.severity, f.path) for f in found] == [("error", "/messages/0/content/0/source/media_type")]
    assert "image/webp" in found[0].message
    bmp = hits(run(user(image(b64(b"BM" + b"\x00" * 40), "image/png"))), "MD004")
    assert bmp and bmp[0].severity == "error" and "image/bmp" in bmp[0].message
    # 30 bytes that match no image format: "Could not process image" (claude-code#15941)
    unknown = hits(run(user(image(b64(b"\x01\x02\x03" * 10), "image/gif"))), "MD004")
    assert unknown and unknown[0].severity == "error"
    short = hits(run(user(image(b64(b"\x01\x02\x03" * 3), "image/gif"))), "MD004")  # too few bytes to be sure
    assert short and short[0].severity == "warning"
    assert not hits(run(user(image(b64(gif(4, 4)), "image/gif"))), "MD004")


def test_base64_pdf_without_a_pdf_header() -> None:
    # "The PDF specified was not valid." (claude-code#5174): an HTML page saved as a .pdf
    html = {"type": "base64", "media_type": "application/pdf", "data": b64(b"<!DOCTYPE html><html><body>Not found</body></html>")}
    found = hits(run(user(document(html))), "MD009")
    assert [(f.severity, f.path) for f in found] == [("error", "/messages/0/content/0/source/data")]
    assert not hits(run(user(document({"type": "base64", "media_type": "application/pdf", "data": b64(pdf(1))}))), "MD009")
    late = b"\n" * 200 + pdf(1)  # a little junk before the header is tolerated, as PDF readers do
    assert not hits(run(user(document({"type": "base64", "media_type": "application/pdf", "data": b64(late)}))), "MD009")


def test_data_url_prefix_on_pdf() -> None:
    source = {"type": "base64", "media_type": "application/pdf", "data": "data:application/pdf;base64," + b64(pdf(1))}
    found = hits(run(user(document(source))), "MD003")
    assert [f.path for f in found] == ["/messages/0/content/0/source/data"]
    assert found[0].fix == "remove the leading 'data:application/pdf;base64,'"


def test_five_megabytes_from_the_base64_length() -> None:
    # "image exceeds 5 MB maximum: X bytes > 5242880 bytes" (anthropics/claude-code#11181)
    head = b64(png(1200, 900))[:64]
    at_limit = head + "A" * (5_242_880 * 4 // 3 - len(head) - 2) + "=="
    assert _images.decoded_size(at_limit) <= 5_242_880
    assert not hits(run(user(image(at_limit))), "MD005")
    over = head + "A" * (5_242_884 * 4 // 3 - len(head))
    found = hits(run(user(image(over))), "MD005")
    assert [f.severity for f in found] == ["error"] and "5242880" in found[0].message


def test_dimension_limit_and_transformations() -> None:
    big = b64(jpeg(8001, 600, exif=2000))
    assert [f.severity for f in hits(run(user(image(big, "image/jpeg"))), "MD005")] == ["warning"]
    refused = image(big, "image/jpeg", transformations={"oversized_image": "error"})
    assert [f.severity for f in hits(run(user(refused)), "MD005")] == ["error"]
    shrunk = image(big, "image/jpeg", transformations={"oversized_image": "downsize"})
    assert not hits(run(user(shrunk)), "MD005")
    assert not hits(run(user(image(b64(jpeg(8000, 8000)), "image/jpeg"))), "MD005")


# ---------------------------------------------------------------------- MD006 / MD007


def test_many_image_limit_starts_above_twenty_images() -> None:
    # "...exceed max allowed size for many-image requests: 2000 pixels" (anthropics/claude-code#49537)
    small = image(b64(png(800, 600)))
    wide = image(b64(png(2560, 1440)), transformations={"oversized_image": "error"})
    assert not hits(run(user(*[small] * 19, wide)), "MD006")  # 20 images
    found = hits(run(user(*[small] * 20, wide)), "MD006")  # 21 images
    assert [f.path for f in found] == ["/messages/0/content/20/source/data"]


def test_images_in_tool_results_count() -> None:
    small = image(b64(png(800, 600)))
    wide = image(b64(png(2001, 100)), transformations={"oversized_image": "error"})
    messages = [
        {"role": "user", "content": [small] * 10 + [{"type": "text", "text": "Take screenshots."}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01", "name": "screenshot", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": [small] * 10 + [wide]}]},
    ]
    tools = [{"name": "screenshot", "description": "Take a screenshot", "input_schema": {"type": "object"}}]
    found = hits(run(messages, extra={"tools": tools}), "MD006")
    assert [f.path for f in found] == ["/messages/2/content/0/content/10/source/data"]


def test_media_budget_per_model() -> None:
    url_image = {"type": "image", "source": {"type": "url", "url": "https://upload.example.com/p.png"}}
    assert not hits(run(user(*[url_image] * 100), model="claude-haiku-4-5-20251001"), "MD007")
    found = hits(run(user(*[url_image] * 101), model="claude-haiku-4-5-20251001"), "MD007")
    assert [f.path for f in found] == ["/messages/0/content/100"]
    assert not hits(run(user(*[url_image] * 101), model="claude-sonnet-4-6"), "MD007")  # 600 on 1M models


def test_pdf_pages_count_toward_the_budget() -> None:
    # "A maximum of 100 PDF pages may be provided." (anthropics/claude-code#5707)
    doc = document({"type": "base64", "media_type": "application/pdf", "data": b64(pdf(60))})
    assert not hits(run(user(doc), model="claude-haiku-4-5-20251001"), "MD007")
    found = hits(run(user(doc, doc), model="claude-haiku-4-5-20251001"), "MD007")
    assert [f.path for f in found] == ["/messages/0/content/1"]
    # a PDF whose pages cannot be counted cheaply counts as one page
    opaque = document({"type": "url", "url": "https://example.com/annual-report.pdf"})
    assert not hits(run(user(*[opaque] * 100), model="claude-haiku-4-5-20251001"), "MD007")


# ---------------------------------------------------------------------- documents, citations, search results


def test_document_sources() -> None:
    good = [
        {"type": "base64", "media_type": "application/pdf", "data": b64(pdf(1))},
        {"type": "text", "media_type": "text/plain", "data": "Ship on Friday."},
        {"type": "content", "content": [{"type": "text", "text": "Row 1"}, {"type": "text", "text": "Row 2"}]},
        {"type": "content", "content": "Just a string"},
        {"type": "url", "url": "https://example.com/report.pdf"},
        {"type": "file", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"},
    ]
    for source in good:
        assert not hits(run(user(document(source))), "MD009"), source
    bad = {
        "/messages/0/content/0/source/type": {"type": "html", "data": "<p>x</p>"},
        "/messages/0/content/0/source/content/1": {"type": "content", "content": [{"type": "text", "text": "a"}, {"type": "document"}]},
        "/messages/0/content/0/source/url": {"type": "url"},
        "/messages/0/content/0/source/data": {"type": "text", "media_type": "text/plain"},
    }
    for path, source in bad.items():
        assert path in [f.path for f in hits(run(user(document(source))), "MD009")], source


def test_citations_all_or_none() -> None:
    on = document({"type": "text", "media_type": "text/plain", "data": "a"}, citations={"enabled": True})
    off = document({"type": "text", "media_type": "text/plain", "data": "b"}, citations={"enabled": False})
    bare = document({"type": "text", "media_type": "text/plain", "data": "c"})
    assert [f.path for f in hits(run(user(on, on, off)), "MD010")] == ["/messages/0/content/2"]
    assert [f.path for f in hits(run(user(on, bare, bare)), "MD010")] == ["/messages/0/content/0"]
    assert not hits(run(user(off, bare)), "MD010")
    result_on = {"type": "search_result", "source": "s", "title": "t", "content": [{"type": "text", "text": "x"}], "citations": {"enabled": True}}
    result_off = {**result_on, "citations": {"enabled": False}}
    assert hits(run(user(result_on, result_off)), "MD010")
    # documents and search results are separate groups
    assert not hits(run(user(on, result_off)), "MD010")


def test_citations_and_structured_outputs() -> None:
    fmt = {"format": {"type": "json_schema", "schema": {"type": "object", "properties": {}, "additionalProperties": False}}}
    result = {"type": "search_result", "source": "s", "title": "t", "content": [{"type": "text", "text": "x"}], "citations": {"enabled": True}}
    assert hits(run(user(result), extra={"output_config": fmt}), "MD011")
    assert not hits(run(user(result), extra={"output_config": {"effort": "high"}}), "MD011")


def test_search_results() -> None:
    base = {"type": "search_result", "source": "https://docs.example.com", "title": "Docs"}
    empty = {**base, "content": []}
    assert [f.path for f in hits(run(user(empty)), "MD012")] == ["/messages/0/content/0/content"]
    with_image = {**base, "content": [{"type": "text", "text": "a"}, image(b64(png(1, 1)))]}
    assert [f.path for f in hits(run(user(with_image)), "MD012")] == ["/messages/0/content/0/content/1"]
    numeric_title = {**base, "title": 7, "content": [{"type": "text", "text": "a"}]}
    assert [f.path for f in hits(run(user(numeric_title)), "MD012")] == ["/messages/0/content/0/title"]
    no_title = {"type": "search_result", "source": "s", "content": [{"type": "text", "text": "a"}]}
    assert not hits(run(user(no_title)), "MD012")  # a missing field is the messages family's
    web = {"tools": [{"type": "web_search_20260209", "name": "web_search"}]}
    plain = {**base, "content": [{"type": "text", "text": "a"}]}
    assert hits(run(user(plain), extra=web), "MD013")
    assert not hits(run(user(plain)), "MD013")


# ---------------------------------------------------------------------- Files API


FILE_DOC = document({"type": "file", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"})


def test_files_beta_before_and_after_general_availability() -> None:
    headers = {"anthropic-version": "2023-06-01"}
    before = hits(run(user(FILE_DOC), headers=headers, as_of="2026-08-18T23:59:59Z"), "MD014")
    assert [f.severity for f in before] == ["error"]
    assert not hits(run(user(FILE_DOC), headers=headers, as_of="2026-08-19"), "MD014")
    unknown = hits(run(user(FILE_DOC), as_of="2026-08-01"), "MD014")
    assert [f.severity for f in unknown] == ["warning"]
    with_beta = {**headers, "anthropic-beta": "files-api-2025-04-14"}
    assert not hits(run(user(FILE_DOC), headers=with_beta, as_of="2026-08-01"), "MD014")


def test_container_upload_needs_code_execution() -> None:
    upload = {"type": "container_upload", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}
    assert hits(run(user(upload)), "MD015")
    tools = {"tools": [{"type": "code_execution_20260120", "name": "code_execution"}]}
    assert not hits(run(user(upload), extra=tools), "MD015")


# ---------------------------------------------------------------------- API version 2026-10-21


CITATION = {"type": "char_location", "cited_text": "a", "document_index": 0, "document_title": "t", "start_char_index": 0, "end_char_index": 1}


def test_version_refusals_only_under_2026_10_21() -> None:
    old, new = {"anthropic-version": "2023-06-01"}, {"anthropic-version": "2026-10-21"}
    messages = [
        {"role": "user", "content": "Draft it."},
        {"role": "assistant", "content": [document({"type": "text", "media_type": "text/plain", "data": "Draft"})]},
        {"role": "user", "content": [{"type": "text", "text": "quoted", "citations": [CITATION]}]},
    ]
    assert not hits(run(messages, headers=old), "MD016") and not hits(run(messages, headers=old), "MD017")
    assert [f.path for f in hits(run(messages, headers=new), "MD016")] == ["/messages/1/content/0"]
    assert [f.path for f in hits(run(messages, headers=new), "MD017")] == ["/messages/2/content/0/citations"]
    # the version can also come from the api_version argument
    assert hits(run(messages, api_version="2026-10-21"), "MD016")


def test_version_refusal_inside_search_results() -> None:
    result = {"type": "search_result", "source": "s", "title": "t", "content": [{"type": "text", "text": "x", "citations": [CITATION]}]}
    found = hits(run(user(result), headers={"anthropic-version": "2026-10-21"}), "MD017")
    assert [f.path for f in found] == ["/messages/0/content/0/content/0/citations"]
    empty = {"type": "text", "text": "fine", "citations": []}
    assert not hits(run(user(empty), headers={"anthropic-version": "2026-10-21"}), "MD017")


# ---------------------------------------------------------------------- robustness

sources = st.one_of(
    st.none(), st.integers(), st.text(max_size=10),
    st.fixed_dictionaries({"type": st.sampled_from(["base64", "url", "file", "text", "content", 5, None])},
                          optional={"media_type": st.sampled_from(["image/png", "image/jpeg", "application/pdf", "text/plain", [], None]),
                                    "data": st.one_of(st.text(max_size=40), st.sampled_from([b64(png(3000, 3000)), b64(jpeg(9000, 2)), "data:x", "===="])),
                                    "url": st.text(max_size=10), "file_id": st.one_of(st.text(max_size=5), st.integers()),
                                    "content": st.lists(st.dictionaries(st.sampled_from(["type", "text"]), st.sampled_from(["text", "image", 1, None]), max_size=2), max_size=3)}),
)
media_blocks = st.builds(lambda kind, source, citations: {"type": kind, "source": source, "citations": citations, "content": source, "title": 3},
                         st.sampled_from(["image", "document", "search_result", "container_upload", "tool_result"]), sources,
                         st.one_of(st.none(), st.just({"enabled": True}), st.lists(st.just(CITATION), max_size=2), st.text(max_size=3)))


@settings(max_examples=150, deadline=None)
@given(st.lists(media_blocks, max_size=6), st.sampled_from(["user", "assistant", "system"]), st.sampled_from(["2023-06-01", "2026-10-21"]))
def test_random_media_blocks_never_break(blocks: list[Any], role: str, version: str) -> None:
    report = run([{"role": role, "content": blocks}], model="claude-opus-4-8", headers={"anthropic-version": version})
    assert "PF900" not in report.codes(), report.summary_text()


def test_oversized_dimensions_were_refused_before_the_downsize_default() -> None:
    """claude-code#5147 (2025-08-05): a 9000 px image was a 400 whatever the block said; today
    (downsizing by default) the same block is a warning."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from atlas_counts import build_request

    data = build_request({"request": {"body": "$png(width=1440,height=9000,bytes=4000)"}})["body"]
    body = {"model": "claude-sonnet-4-20250514", "max_tokens": 1024, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
        {"type": "text", "text": "What is on this page?"}]}]}
    then = [f.severity for f in validate(body, as_of="2025-08-05").findings if f.code == "MD005"]
    now = [f.severity for f in validate(body, as_of="2026-05-01").findings if f.code == "MD005"]
    assert then == ["error"] and now == ["warning"]


def test_md004_swapped_known_format_is_a_warning_before_claude_4() -> None:
    import base64
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)).decode()
    def body(model: str) -> dict:
        return {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": jpeg}}, {"type": "text", "text": "What is this?"}]}]}
    # openinference's recorded 200 (claude-3-5-sonnet-20240620); refused by current models
    assert [f.severity for f in validate(body("claude-3-5-sonnet-20240620"), as_of="2025-08-14").findings if f.code == "MD004"] == ["warning"]
    assert [f.severity for f in validate(body("claude-sonnet-4-6"), as_of="2026-11-24").findings if f.code == "MD004"] == ["error"]
