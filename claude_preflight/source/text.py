"""Line/column bookkeeping shared by the source readers (parsers count UTF-8 bytes)."""

from __future__ import annotations

from bisect import bisect_right


class SourceText:
    """Converts (line, UTF-8 byte column) and byte offsets to character offsets and
    1-based (line, column) positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        starts = [0]
        find, i = text.find, 0
        while True:
            i = find("\n", i) + 1
            if not i:
                break
            starts.append(i)
        self.starts = starts
        self._byte_starts: list[int] | None = None

    def offset(self, line: int, byte_column: int) -> int:
        """Character offset of a 1-based line and a 0-based UTF-8 byte column."""
        line = min(max(line, 1), len(self.starts))
        start = self.starts[line - 1]
        if self.ascii:
            return start + byte_column
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        raw = self.text[start:end].encode("utf-8", "surrogatepass")
        return start + len(raw[:byte_column].decode("utf-8", "replace"))

    def position(self, line: int, byte_column: int) -> tuple[int, int]:
        """1-based (line, character column)."""
        offset = self.offset(line, byte_column)
        line = min(max(line, 1), len(self.starts))
        return line, offset - self.starts[line - 1] + 1

    def char_at_byte(self, byte_offset: int) -> int:
        """Character offset of a UTF-8 byte offset into the whole text."""
        if self.ascii:
            return byte_offset
        if self._byte_starts is None:
            total, found = 0, []
            for i, start in enumerate(self.starts):
                found.append(total)
                end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
                total += len(self.text[start:end].encode("utf-8", "surrogatepass"))
            self._byte_starts = found
        line = bisect_right(self._byte_starts, byte_offset)
        return self.offset(line, byte_offset - self._byte_starts[line - 1])

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1
