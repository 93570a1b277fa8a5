"""Images, documents, search results and Files API references.

Media blocks are collected once per request (message blocks, the content of tool_result
blocks and the blocks of custom-content documents) and shared through ``ctx.extra``.
Image bytes are only ever read from a bounded prefix of the base64 data (see ``_images``).
Where a block may sit in which role is another family's rule; this module only applies the
API version's own refusals (``rejects`` in the catalogue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from claude_preflight.checks import _images
from claude_preflight.checks.base import Edit, Hit, check, show
from claude_preflight.dates import parse_moment
from claude_preflight.engine.index import inspects
from claude_preflight.files import pointer

if TYPE_CHECKING:
    from claude_preflight.engine.context import Context

_KEY = "media.items"
_NESTING = 3


class Item:
    """A content block in messages, with where it sits (read-only by convention).

    A slotted class with a lazily built JSON Pointer: an agent conversation has hundreds
    of blocks and most checks never need a path.
    """

    __slots__ = ("data", "role", "message", "inside", "type", "_parent", "_tail", "_path")

    def __init__(self, data: Mapping[str, Any], role: Any, message: int, inside: str | None,
                 parent: Any, tail: tuple[Any, ...] = ()) -> None:
        self.data = data
        self.role = role
        self.message = message
        self.inside = inside  # None (directly in a message), "tool_result" or "document"
        self.type: Any = data.get("type")
        self._parent = parent  # the Block or Item holding it
        self._tail = tail  # pointer tokens from the parent's path to this block
        self._path: str | None = None

    @property
    def path(self) -> str:
        found = self._path
        if found is None:
            found = self._path = pointer.join(self._parent.path, *self._tail) if self._tail else self._parent.path
        return found

    @property
    def source(self) -> Any:
        return self.data.get("source")


# The block types the checks of this module look at (``_items`` holds only these), and the
# ones the citation refusal looks at.
MEDIA_TYPES = ("image", "document", "search_result", "container_upload")
_CITING_TYPES = ("text", "search_result")


def _inner(kind: Any, data: Mapping[str, Any]) -> tuple[Any, tuple[Any, ...], str | None]:
    """``(blocks, pointer tokens, inside)`` of what a tool_result or custom-content document holds."""
    if kind == "tool_result":
        return data.get("content"), ("content",), "tool_result"
    source = data.get("source")
    if kind == "document" and isinstance(source, dict) and source.get("type") == "content":
        return source.get("content"), ("source", "content"), "document"
    return None, (), None


def _items(ctx: Context, kinds: tuple[str, ...] = MEDIA_TYPES) -> list[Item]:
    """The blocks of these types in messages, then those nested in tool results and
    custom-content documents (up to ``_NESTING`` levels): the order of a walk over all the
    blocks, keeping these types. Computed once per request and ``kinds``."""
    key = _KEY if kinds is MEDIA_TYPES else f"{_KEY}.{','.join(kinds)}"
    found = ctx.extra.get(key)
    if isinstance(found, list):
        return found
    wanted = frozenset(kinds)
    items = [Item(block.data, block.role, block.message, None, block) for block in ctx.blocks_of(*kinds)]
    work: list[tuple[Item, int]] = []
    for block in ctx.blocks_of("tool_result", "document"):
        if isinstance(_inner(block.type, block.data)[0], list):  # only holders of blocks add anything
            work.append((Item(block.data, block.role, block.message, None, block), 0))
    while work:
        item, depth = work.pop()
        if depth >= _NESTING:
            continue
        inner, tail, inside = _inner(item.type, item.data)
        if isinstance(inner, list):
            for k, child in enumerate(inner):
                if not isinstance(child, dict):
                    continue
                kind = child.get("type")
                keep = isinstance(kind, str) and kind in wanted
                holder = kind == "tool_result" or kind == "document"
                if keep or holder:  # no Item for the others (most are text)
                    sub = Item(child, item.role, item.message, inside, item, (*tail, k))
                    if keep:
                        items.append(sub)
                    if holder:
                        work.append((sub, depth + 1))
    ctx.extra[key] = items
    return items


def _of_type(ctx: Context, kind: str) -> list[Item]:
    """The media items of one type, shared by the checks of this module (do not mutate)."""
    return ctx.memo(f"media.of_type.{kind}", lambda c: [i for i in _items(c) if i.type == kind])


def _base64(item: Item) -> tuple[Any, Any] | None:
    """(media_type, data) of a base64 source, or None."""
    source = item.source
    if isinstance(source, dict) and source.get("type") == "base64":
        return source.get("media_type"), source.get("data")
    return None


def _is_pdf(item: Item) -> bool:
    source = item.source
    if not isinstance(source, dict):
        return False
    kind = source.get("type")
    if kind == "base64":
        return source.get("media_type") == "application/pdf"
    return kind == "url"


# ---------------------------------------------------------------------- image sources


def _not_base64(path: str, data: Any) -> Iterator[tuple[str, str]]:
    """``data`` that no base64 decoder accepts (a data: URL is the data-url rule's)."""
    if not isinstance(data, str) or not data or data.startswith("data:"):
        return
    at = _images.first_non_base64(data)
    if at is not None:
        yield path, f"data is not base64: {show(data[at])} at character {at + 1} is not a base64 character"


def _image_source_problems(item: Item, params: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    source = item.source
    if "source" not in item.data:
        return  # a missing source is the messages family's (required fields)
    path = pointer.join(item.path, "source")
    if not isinstance(source, dict):
        yield path, f"source must be an object, not {show(source)}"
        return
    kind = source.get("type")
    allowed = params["source_types"]
    if kind not in allowed:
        yield pointer.join(path, "type"), f"source.type {show(kind)} is not one of {', '.join(allowed)}"
        return
    for field in params["required"][kind]:
        value = source.get(field)
        if not isinstance(value, str) or not value:
            shown = "missing" if field not in source else f"{show(value)}, not a non-empty string"
            yield pointer.join(path, field), f"a {kind} image source needs {field} ({shown})"
    if kind == "base64":
        yield from _not_base64(pointer.join(path, "data"), source.get("data"))
    url = source.get("url")
    if kind == "url" and isinstance(url, str) and url.startswith("data:"):
        yield pointer.join(path, "url"), 'a data: URL is not fetchable; send it as {"type": "base64", "media_type": ..., "data": ...}'


@check
@inspects(blocks=("image", "tool_result", "document"))
def image_source(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for item in _of_type(ctx, "image"):
        for path, problem in _image_source_problems(item, params):
            yield Hit(path, {"problem": problem})


@check
@inspects(blocks=("image", "tool_result", "document"))
def image_media_type(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    allowed = params["media_types"]
    aliases: Mapping[str, str] = params.get("aliases") or {}
    for item in _of_type(ctx, "image"):
        found = _base64(item)
        if found is None or "media_type" not in item.source:
            continue
        media_type, data = found
        if media_type in allowed:
            continue
        suggestion, hint = None, ""
        if isinstance(data, str) and _images.clean_prefix(data):
            sniffed = _images.sniff(data)
            if sniffed in allowed:
                suggestion, hint = sniffed, f" (the data is {sniffed})"
        if suggestion is None and isinstance(media_type, str) and media_type in aliases:
            suggestion = aliases[media_type]
            hint = f" (did you mean {suggestion!r}?)"
        args = {"value": show(media_type), "allowed": ", ".join(allowed), "hint": hint}
        yield Hit(pointer.join(item.path, "source", "media_type"), args, fix=f"set media_type to {suggestion!r}" if suggestion else None)


@check
@inspects(blocks=("image", "document", "tool_result"))
def data_url_prefix(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for item in _items(ctx):
        if item.type not in ("image", "document"):
            continue
        found = _base64(item)
        if found is None or not isinstance(found[1], str) or not found[1].startswith("data:"):
            continue
        comma = found[1].find(",", 0, 200)
        head = found[1][: comma + 1] if comma >= 0 else found[1][:40]
        where = pointer.join(item.path, "source", "data")
        edits = (Edit("replace", where, found[1][comma + 1 :]),) if comma >= 0 else ()
        yield Hit(where, {"prefix": show(head, 50)}, fix=f"remove the leading {head!r}", edits=edits)


@check
@inspects(blocks=("image", "tool_result", "document"))
def image_media_type_mismatch(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    allowed = params["media_types"]
    for item in _of_type(ctx, "image"):
        found = _base64(item)
        if found is None:
            continue
        media_type, data = found
        if media_type not in allowed or not isinstance(data, str) or not _images.clean_prefix(data):
            continue
        actual = _images.sniff(data)
        if actual == media_type:
            continue
        path = pointer.join(item.path, "source", "media_type")
        if actual is None:
            args = {"declared": media_type, "actual": "not a PNG, JPEG, GIF or WebP image (its first bytes match none of them)"}
            head = _images.read(data, 0, _images.SNIFF_BYTES)
            # Enough bytes to hold any of the four signatures and none matches: the API cannot decode
            # it ("Could not process image"). A shorter prefix proves less: a warning.
            yield Hit(path, args, severity=None if head is not None and len(head) >= _images.SNIFF_BYTES else "warning")
        elif actual in allowed:
            yield Hit(path, {"declared": media_type, "actual": actual}, fix=f"set media_type to {actual!r}", edits=(Edit("replace", path, actual),),
                      severity="warning" if _lenient_model(ctx, params) else None)
        else:
            args = {"declared": media_type, "actual": f"{actual}, which the API does not accept as an image"}
            fix = "send it as a document block" if actual == "application/pdf" else "convert it to PNG or JPEG"
            yield Hit(path, args, fix=fix)


def _lenient_model(ctx: Context, params: Mapping[str, Any]) -> bool:
    """A model launched before ``params.lenient_launched_before`` (a recorded request with a
    JPEG declared as PNG was accepted by Claude 3.5 Sonnet): a swapped known format is a warning."""
    cutoff, model = params.get("lenient_launched_before"), ctx.model
    if not cutoff or model is None:
        return False
    launched = model.launched
    return launched is not None and launched < parse_moment(str(cutoff), what="lenient_launched_before")


def _downsized(item: Item) -> bool:
    transformations = item.data.get("transformations")
    return isinstance(transformations, dict) and transformations.get("oversized_image") == "downsize"


def _dimensions(item: Item) -> tuple[int, int] | None:
    found = _base64(item)
    if found is None or not isinstance(found[1], str) or not _images.clean_prefix(found[1]):
        return None
    if _images.has_whitespace(found[1]):
        return None  # wrapped base64: byte offsets no longer map to character offsets
    return _images.dimensions(found[1])


def _oversized(images: list[Item], limit: int, ceiling: int | None, refused: bool = False) -> Iterator[tuple[Item, tuple[int, int]]]:
    for item in images:
        if _downsized(item) and not refused:
            continue
        dims = _dimensions(item)
        if dims is not None and max(dims) > limit and (ceiling is None or max(dims) <= ceiling):
            yield item, dims


@check
@inspects(blocks=("image", "tool_result", "document"))
def image_too_large(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An image above the per-image limits: decoded bytes, or pixels on a side."""
    max_bytes, max_side = int(params["max_bytes"]), int(params["max_side"])
    for item in _of_type(ctx, "image"):
        found = _base64(item)
        if found is None or not isinstance(found[1], str):
            continue
        path = pointer.join(item.path, "source", "data")
        size = _images.decoded_size(found[1])
        if size > max_bytes:
            problem = f"image exceeds 5 MB maximum: {size} bytes > {max_bytes} bytes"
            yield Hit(path, {"problem": problem}, fix="downscale or recompress the image (JPEG) below 5 MB")
            continue
        refused = _always_refused(ctx, params)
        if _downsized(item) and not refused:
            continue
        dims = _dimensions(item)
        if dims is not None and max(dims) > max_side:
            problem = f"image is {dims[0]}x{dims[1]} px; neither side may exceed {max_side} px{_consequence(item, refused)}"
            yield Hit(path, {"problem": problem}, fix=f"downscale the image so that neither side exceeds {max_side} px", severity=_dims_severity(item, refused))


def _refuses_oversized(item: Item) -> bool:
    transformations = item.data.get("transformations")
    return isinstance(transformations, dict) and transformations.get("oversized_image") == "error"


def _always_refused(ctx: Context, params: Mapping[str, Any]) -> bool:
    """Before ``params["refused_until"]`` (the day after the last refusal seen) oversized images were
    refused whatever the block said: downsizing by default came later."""
    until = params.get("refused_until")
    return until is not None and ctx.as_of < parse_moment(str(until), what="refused_until")


def _dims_severity(item: Item, refused: bool = False) -> str | None:
    return None if refused or _refuses_oversized(item) else "warning"


def _consequence(item: Item, refused: bool = False) -> str:
    if _refuses_oversized(item):
        return ' (transformations.oversized_image is "error", so the request is rejected)'
    if refused:
        return " (refused at this date: downsizing oversized images by default came later)"
    return "; the API rejects it or, where downsizing oversized images is the default, shrinks it before the model sees it"


@check
@inspects(blocks=("image", "tool_result", "document"))
def image_dimensions_many(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Image sides above the lower limit that applies when a request carries many images."""
    images = _of_type(ctx, "image")
    if len(images) <= int(params["many_images"]):
        return
    limit = int(params["many_images_max_side"])
    refused = _always_refused(ctx, params)
    for item, dims in _oversized(images, limit, int(params["max_side"]), refused):
        args = {"width": dims[0], "height": dims[1], "limit": limit, "count": len(images), "many": params["many_images"], "consequence": _consequence(item, refused)}
        yield Hit(pointer.join(item.path, "source", "data"), args, fix=f"downscale the image so that neither side exceeds {limit} px", severity=_dims_severity(item, refused))


@check
@inspects(blocks=("image", "document", "tool_result"))
def too_many_media(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    if model is None or not model.max_media_items:
        return
    limit = model.max_media_items
    prefix = int(params["pdf_prefix_chars"])
    total = images = pages = 0
    crossing: str | None = None
    for item in _items(ctx):
        count = 0
        if item.type == "image":
            count = 1
            images += 1
        elif item.type == "document" and _is_pdf(item):
            found = _base64(item)
            known = _images.pdf_pages(found[1], prefix) if found is not None and isinstance(found[1], str) else None
            count = known or 1
            pages += count
        total += count
        if crossing is None and total > limit:
            crossing = item.path
    if crossing is not None:
        args = {"total": total, "images": images, "pages": pages, "limit": limit, "model": model.id}
        yield Hit(crossing, args, fix="split the work over several requests")


@check
@inspects(blocks=("image", "document", "tool_result"))
def unsupported_by_model(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    model = ctx.model
    if model is None or (model.vision and model.pdf):
        return
    for item in _items(ctx):
        if item.type == "image" and not model.vision:
            yield Hit(item.path, {"model": model.id, "what": "images"})
        elif item.type == "document" and _is_pdf(item) and not model.pdf:
            yield Hit(item.path, {"model": model.id, "what": "PDF documents"})


# ---------------------------------------------------------------------- documents


# A PDF file starts with "%PDF-"; readers tolerate a little junk before it, within the first KB.
PDF_HEADER_WINDOW = 1024


def _document_problems(item: Item, params: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    source = item.source
    path = pointer.join(item.path, "source")
    if "source" not in item.data:
        return  # a missing source is the messages family's (required fields)
    if not isinstance(source, dict):
        yield path, f"a document source must be an object, not {show(source)}"
        return
    kind = source.get("type")
    specs: Mapping[str, Mapping[str, Any]] = params["sources"]
    if not isinstance(kind, str) or kind not in specs:
        yield pointer.join(path, "type"), f"source.type {show(kind)} is not one of {', '.join(specs)}"
        return
    spec = specs[kind]
    media = spec.get("media_type")
    if media is not None and source.get("media_type") != media:
        value = source.get("media_type")
        hint = " (only PDFs can be sent as base64; send text as a text source)" if kind == "base64" else ""
        yield pointer.join(path, "media_type"), f'a {kind} document source needs media_type "{media}", not {show(value)}{hint}'
    for field in spec.get("strings", ()):
        value = source.get(field)
        if not isinstance(value, str) or (field != "data" or kind != "text") and not value:
            shown = "missing" if field not in source else show(value)
            yield pointer.join(path, field), f"a {kind} document source needs {field} as a non-empty string (found {shown})"
    if kind == "base64":
        problems = list(_not_base64(pointer.join(path, "data"), source.get("data")))
        yield from problems
        data = source.get("data")
        if not problems and source.get("media_type") == "application/pdf" and isinstance(data, str) and data:
            head = _images.read(data, 0, PDF_HEADER_WINDOW)
            if head is not None and b"%PDF-" not in head:
                yield pointer.join(path, "data"), ("the data is not a PDF: no %PDF- header in its first "
                                                   f"{PDF_HEADER_WINDOW} bytes (the API answers \"The PDF specified was not valid.\")")
    if kind == "content":
        content = source.get("content")
        if isinstance(content, str):
            return
        if not isinstance(content, list) or not content:
            yield pointer.join(path, "content"), f"a content document source needs content: a string or a non-empty list of text and image blocks (found {show(content)})"
            return
        allowed = spec.get("block_types", ())
        for k, block in enumerate(content):
            kind_k = block.get("type") if isinstance(block, dict) else None
            if kind_k not in allowed:
                yield pointer.join(path, "content", k), f"a content document may hold {' and '.join(allowed)} blocks, not {show(kind_k)}"


@check
@inspects(blocks=("document", "tool_result"))
def document_source(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for item in _of_type(ctx, "document"):
        for path, problem in _document_problems(item, params):
            yield Hit(path, {"problem": problem})


def _citations_on(block: Mapping[str, Any]) -> bool:
    citations = block.get("citations")
    return isinstance(citations, dict) and citations.get("enabled") is True


@check
@inspects(blocks=("document", "search_result", "tool_result"))
def citations_mixed(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for kind, label in (("document", "documents"), ("search_result", "search results")):
        group = [i for i in _of_type(ctx, kind) if i.inside != "document"]
        on = [i for i in group if _citations_on(i.data)]
        if not on or len(on) == len(group):
            continue
        off = [i for i in group if not _citations_on(i.data)]
        odd = off[0] if len(on) >= len(off) else on[0]
        args = {"label": label, "on": len(on), "off": len(off)}
        fix = 'set "citations": {"enabled": true} on every one' if odd in off else 'remove citations from this one, or enable them on all'
        yield Hit(odd.path, args, fix=fix)


@check
@inspects(fields=("output_config",))
def citations_with_format(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    config = ctx.get("output_config")
    if not isinstance(config, dict) or not isinstance(config.get("format"), dict):
        return
    for item in _items(ctx):
        if item.type in ("document", "search_result") and _citations_on(item.data):
            yield Hit("/output_config/format", {"where": _dotted(item.path)}, fix="drop output_config.format or disable citations")
            return


def _dotted(path: str) -> str:
    return ".".join(pointer.split(path))


# ---------------------------------------------------------------------- search results


@check
@inspects(blocks=("search_result", "tool_result", "document"))
def search_result_shape(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for item in _of_type(ctx, "search_result"):
        data = item.data
        for field in ("source", "title"):
            if data.get(field) is not None and not isinstance(data.get(field), str):
                yield Hit(pointer.join(item.path, field), {"problem": f"{field} must be a string (found {show(data.get(field))})"})
        content = data.get("content")
        if content is None:
            continue  # missing fields are the messages family's (required fields)
        if not isinstance(content, list) or not content:
            yield Hit(pointer.join(item.path, "content"), {"problem": f"content must be a non-empty list of text blocks (found {show(content)})"})
            continue
        for k, block in enumerate(content):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind != "text" or not isinstance(block.get("text"), str):
                problem = f"content may only hold text blocks (found {show(kind)})" if kind != "text" else "a text block needs a text string"
                yield Hit(pointer.join(item.path, "content", k), {"problem": problem})


@check
@inspects(fields=("tools",))
def search_result_citations_web_search(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    prefix = params["tool_prefix"]
    if not any(isinstance(t.get("type"), str) and t["type"].startswith(prefix) for _, t in ctx.tools):
        return
    for item in _of_type(ctx, "search_result"):
        if not _citations_on(item.data):
            yield Hit(item.path, {}, fix='set "citations": {"enabled": true}')


# ---------------------------------------------------------------------- Files API


def _file_references(ctx: Context) -> list[tuple[Item, str]]:
    found = []
    for item in _items(ctx):
        source = item.source
        if item.type in ("image", "document") and isinstance(source, dict) and source.get("type") == "file":
            found.append((item, pointer.join(item.path, "source", "file_id")))
        elif item.type == "container_upload":
            found.append((item, pointer.join(item.path, "file_id")))
    return found


@check
@inspects(blocks=("image", "document", "container_upload", "tool_result"))
def files_beta(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    beta = params["beta"]
    if ctx.has_beta(beta) or ctx.surface_lacks(params.get("feature", "")):
        return
    refs = _file_references(ctx)
    if not refs:
        return
    entry = ctx.catalogue.betas.get(beta) or {}
    ga_since = entry.get("ga_since") if entry.get("status") == "ga" else None
    ga = False
    if ga_since:
        try:
            ga = ctx.as_of >= parse_moment(str(ga_since))
        except (TypeError, ValueError):  # pragma: no cover - the catalogue schema checks dates
            ga = False
    if ga:
        return  # the GA request types carry file sources and container_upload blocks
    if ctx.headers is None:
        note, severity = "; the headers are not known here, so make sure the request carries it", "warning"
    else:
        note, severity = "", None
    args = {"beta": beta, "count": len(refs), "note": note}
    yield Hit(refs[0][1], args, fix=f"send anthropic-beta: {beta}", severity=severity)


@check
@inspects(blocks=("container_upload", "tool_result", "document"))
def container_upload_without_code_execution(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    prefix = params["tool_prefix"]
    uploads = _of_type(ctx, "container_upload")
    if not uploads or any(isinstance(t.get("type"), str) and t["type"].startswith(prefix) for _, t in ctx.tools):
        return
    yield Hit(uploads[0].path, {"count": len(uploads)}, fix="add a code execution tool, e.g. {\"type\": \"code_execution_20250825\", \"name\": \"code_execution\"}")


# ---------------------------------------------------------------------- API version refusals


def _rejects(ctx: Context, key: str) -> bool:
    version = ctx.catalogue.api_versions.get(ctx.api_version)
    return version is not None and key in version.rejects


@check
@inspects(blocks=("document",))
def version_rejects_assistant_document(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not _rejects(ctx, params["rejects"]):
        return
    for item in _of_type(ctx, "document"):
        if item.inside is None and item.role == "assistant":
            yield Hit(item.path, {"version": ctx.api_version}, fix="move the document into a user turn")


def _has_citations(block: Mapping[str, Any]) -> bool:
    citations = block.get("citations")
    return isinstance(citations, list) and bool(citations)


@check
@inspects(blocks=("text", "search_result", "tool_result", "document"))
def version_rejects_user_citations(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not _rejects(ctx, params["rejects"]):
        return
    for item in _items(ctx, _CITING_TYPES):
        if item.role != "user" or item.inside == "document":
            continue
        if item.type == "text" and _has_citations(item.data):
            yield Hit(pointer.join(item.path, "citations"), {"version": ctx.api_version, "where": "a text block"}, fix="remove the citations list")
        elif item.type == "search_result" and isinstance(item.data.get("content"), list):
            for k, block in enumerate(item.data["content"]):
                if isinstance(block, dict) and block.get("type") == "text" and _has_citations(block):
                    path = pointer.join(item.path, "content", k, "citations")
                    yield Hit(path, {"version": ctx.api_version, "where": "a search_result's text block"}, fix="remove the citations list")
