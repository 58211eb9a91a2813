"""Reading JSONL requirement lists with numpy, without making a string per id.

Input → output: a chunk of JSONL bytes and the known requirement ids → each line
without its ``"met"`` list (to be parsed as JSON), which lines were read, and the
lists as packed bit masks. Lines this reader is not sure of are left to the
careful reader.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any


class _TokenTable:
    """Finds each line's ``"met": [...]`` in a JSONL chunk and reads its ids as bits, with numpy.

    Every quoted string of the chunk is located at once; each string up to 16
    bytes long is identified by its length and its bytes (two 64-bit words),
    looked up in a hash table of the known ids and compared exactly. A line
    whose list is anything but ``"id"`` strings separated by ``,`` or ``, ``,
    that has escapes, an unknown id or a duplicate, is left to the exact reader.
    """

    def __init__(self, ids: Sequence[str], np: Any) -> None:
        self.np = np
        self.n = len(ids)
        keys = [_key16(i.encode()) for i in ids]
        # An open-addressing table at most 1/8 full; of a few multipliers, the one
        # whose longest probe is shortest (most tokens are found at the first probe).
        size = 1 << max(8, (8 * len(ids)).bit_length())
        self.shift = np.uint64(64 - size.bit_length() + 1)
        w1 = np.array([k[1] for k in keys], np.uint64)
        w2 = np.array([k[2] for k in keys], np.uint64)
        best: tuple[int, int, list[int]] | None = None
        seed = 0x9E3779B97F4A7C15
        for _attempt in range(64):
            mult = seed | 1
            homes = _mix(w1, w2, np.uint64(mult), self.shift, np).tolist()
            slots, probe = _place(homes, size)
            if best is None or probe < best[0]:
                best = (probe, mult, slots)
            if probe == 0:
                break
            seed = (seed * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        assert best is not None
        self.probes, mult, slots = best
        self.mult = np.uint64(mult)
        self.mask = size - 1
        self.tab_w1 = np.zeros(size, np.uint64)
        self.tab_w2 = np.zeros(size, np.uint64)
        self.tab_len = np.full(size, -1, np.int64)
        self.tab_pos = np.zeros(size, np.int64)
        at = np.array(slots, np.int64)
        self.tab_w1[at] = w1
        self.tab_w2[at] = w2
        self.tab_len[at] = [k[0] for k in keys]
        self.tab_pos[at] = np.arange(len(ids))
        self.len_mask = np.array(
            [(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], np.uint64
        )
        # Strings longer than 8 bytes need their second word compared too.
        self.long_ids = any(k[0] > 8 for k in keys)

    def lookup(self, w1: Any, w2: Any, lens: Any) -> tuple[Any, Any]:
        """The position of each string among the ids, and whether it is one of them."""
        np = self.np
        h = _mix(w1, w2, self.mult, self.shift, np).astype(np.int64)
        found = (self.tab_w1[h] == w1) & (self.tab_len[h] == lens)
        if self.long_ids:
            found &= self.tab_w2[h] == w2
        pos = self.tab_pos[h]
        for k in range(1, self.probes + 1):
            rest = np.flatnonzero(~found)
            if not len(rest):
                break
            hk = (h[rest] + k) & self.mask
            hit = (
                (self.tab_w1[hk] == w1[rest])
                & (self.tab_w2[hk] == w2[rest])
                & (self.tab_len[hk] == lens[rest])
            )
            found[rest[hit]] = True
            pos[rest[hit]] = self.tab_pos[hk[hit]]
        return pos, found

    @classmethod
    def build(cls, bits: Mapping[str, int]) -> _TokenTable | None:
        import numpy as np

        ids = sorted(bits, key=bits.__getitem__)
        if any(len(i.encode()) > 16 or not i.isascii() for i in ids):
            return None
        if [bits[i] for i in ids] != list(range(len(ids))):
            return None
        # Finding a good hash takes a few tries: one table per set of ids and process.
        hit = _TABLES.get(tuple(ids))
        if hit is None:
            hit = _TABLES[tuple(ids)] = cls(ids, np)
        return hit

    def scan(self, buf: bytes, n_lines: int) -> tuple[list[bytes], Any, Any] | None:
        """Lines without their lists (for a JSON parser), which lines were read, and the masks.

        Returns None when there is nothing to read in bulk (then every line is parsed whole).
        """
        np = self.np
        size = len(buf)
        if not n_lines:
            return None
        padded = buf + b"\0" * 16
        arr = np.frombuffer(padded, np.uint8)
        body = arr[:size]
        # one pass for the rare bytes that matter: line ends, ':' and ']'
        marks = np.flatnonzero((body == 10) | (body == 58) | (body == 93))
        kinds = body[marks]
        ends = marks[kinds == 10]
        if len(ends) < n_lines:  # the last line has no newline
            ends = np.append(ends, size)
        ends = ends[:n_lines]
        starts = np.empty(n_lines, np.int64)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        quotes = np.flatnonzero(body == 34)
        # Lines with escapes, or an odd number of quotes, are read the careful way; the
        # pairing of quotes below needs every line to hold whole strings.
        per_line = np.diff(np.searchsorted(quotes, ends), prepend=0)
        good_line = (per_line & 1) == 0
        if b"\\" in buf:
            slashes = np.flatnonzero(body == 92)
            good_line[np.searchsorted(ends, slashes)] = False
        if not good_line.all():
            quotes = quotes[np.repeat(good_line, per_line)]
        s = quotes[0::2] + 1
        e = quotes[1::2]
        # the keys "met": '"met":' then '[' or ' ['
        colons = marks[kinds == 58]
        colons = colons[colons >= 5]
        is_met = (
            (arr[colons - 5] == 34) & (arr[colons - 4] == 109) & (arr[colons - 3] == 101)
            & (arr[colons - 2] == 116) & (arr[colons - 1] == 34)
        )  # fmt: skip
        colons = colons[is_met]
        sp = arr[colons + 1] == 32
        bracket_at = np.where(sp, colons + 2, colons + 1)
        is_key = arr[bracket_at] == 91
        rs = bracket_at[is_key]  # the '[' of each list
        if not len(rs) or not len(e):
            return None  # no lists, or no whole strings: every line the careful way
        # the key's string is the one whose closing quote is just before the colon
        keys = np.searchsorted(e, colons[is_key] - 1)
        if not np.array_equal(e[np.minimum(keys, len(e) - 1)], colons[is_key] - 1):
            return None  # a '"met":' inside some string: read every line the careful way
        key_line = np.searchsorted(ends, rs)
        good_line &= np.bincount(key_line, minlength=n_lines) == 1
        closes = marks[kinds == 93]
        ci = np.searchsorted(closes, rs)
        re_ = np.append(closes, size + 1)[ci]  # the ']' after each '['
        good_line[key_line[re_ > ends[key_line]]] = False
        use = good_line[key_line]
        keys, rs, re_, key_line = keys[use], rs[use], re_[use], key_line[use]
        # the strings inside each list: from the one after the key to the last before ']'
        first = keys + 1
        count = np.searchsorted(s, re_) - first
        total = int(count.sum())
        owner = np.repeat(np.arange(len(keys)), count)
        offsets = np.cumsum(count) - count
        tix = np.arange(total) + np.repeat(first - offsets, count)
        ts, te = s[tix], e[tix]
        tl = te - ts
        view = np.ndarray((size + 8,), dtype="<u8", buffer=padded, offset=0, strides=(1,))
        tw1 = view[ts] & self.len_mask[np.minimum(tl, 8)]
        tw2 = np.zeros(total, np.uint64)
        if self.long_ids:
            long_ = np.flatnonzero(tl > 8)
            if len(long_):
                tw2[long_] = view[te[long_] - 8]
        pos, known = self.lookup(tw1, tw2, tl)
        # separators: '[' then '"'; '","' or '", "' between; '"' then ']'
        has = count > 0
        is_last = np.zeros(total, np.bool_)
        is_last[(offsets + count - 1)[has]] = True
        gap = np.empty(total, np.int64)
        gap[:-1] = ts[1:] - te[:-1]
        sep_ok = np.where(
            is_last,
            te + 1 == re_[owner],
            (arr[te + 1] == 44) & ((gap == 3) | ((gap == 4) & (arr[te + 2] == 32))),
        )
        list_ok = np.where(
            has,
            (ts[np.minimum(offsets, max(total - 1, 0))] - 2 == rs)
            | ((ts[np.minimum(offsets, max(total - 1, 0))] - 3 == rs) & (arr[rs + 1] == 32)),
            re_ == rs + 1,
        ) if total else re_ == rs + 1  # fmt: skip
        bad_tok = ~(known & sep_ok)
        if bad_tok.any():
            list_ok[owner[bad_tok]] = False
        words = _pack(pos, key_line[owner], max((self.n - 1) // 64 + 1, 1), n_lines, np)
        # duplicates: fewer bits than strings
        got = np.zeros(n_lines, np.int64)
        for w in range(words.shape[0]):
            got += np.bitwise_count(words[w])
        list_ok &= got[key_line] == count
        ok = np.zeros(n_lines, np.bool_)
        ok[key_line[list_ok]] = True
        # each line read without its list: '"met":[]' stays, so its shape is unchanged
        lo = starts[ok].tolist()
        hi = ends[ok].tolist()
        a = (rs[list_ok] + 1).tolist()
        b = re_[list_ok].tolist()
        remainders = [buf[x:y] + buf[z:w] for x, y, z, w in zip(lo, a, b, hi, strict=True)]
        return remainders, ok, words


_TABLES: dict[tuple[str, ...], _TokenTable] = {}


def _key16(b: bytes) -> tuple[int, int, int]:
    w1 = int.from_bytes(b[:8].ljust(8, b"\0"), "little")
    w2 = int.from_bytes(b[-8:], "little") if len(b) > 8 else 0
    return len(b), w1, w2


def _place(homes: list[int], size: int) -> tuple[list[int], int]:
    """Linear probing: each key's slot, and the longest distance from its home slot."""
    taken = [False] * size
    slots: list[int] = []
    longest = 0
    for h in homes:
        k = 0
        while taken[(h + k) & (size - 1)]:
            k += 1
        taken[(h + k) & (size - 1)] = True
        slots.append((h + k) & (size - 1))
        longest = max(longest, k)
    return slots, longest


def _mix(w1: Any, w2: Any, mult: Any, shift: Any, np: Any) -> Any:
    return ((w1 ^ (w2 * np.uint64(0xBF58476D1CE4E5B9))) * mult) >> shift


def _pack(pos: Any, col: Any, words: int, k: int, np: Any) -> Any:
    """``uint64`` masks (words × rows) with bit ``pos`` set in row ``col``."""
    dense = np.zeros((k, words * 64), np.bool_)
    dense.reshape(-1)[col * (words * 64) + pos] = True
    packed = np.packbits(dense, axis=1, bitorder="little")
    return np.ascontiguousarray(packed.view("<u8").T)


def _encode_lists(mets: list[Any], layout: Any, np: Any) -> tuple[Any, Any]:
    """Masks of listed ids; False for rows with an unknown id, a duplicate or a non-string.

    Every id of every row is looked up in one pass at C speed (``map`` over the
    chained lists); an id that is not known lands in a spill word past the masks, so
    a row with an unknown id or a duplicate sets fewer bits than it lists.
    """
    k = len(mets)
    lists = [m or () for m in mets]
    lengths = np.fromiter(map(len, lists), np.int64, count=k)
    width = layout.words * 64
    try:
        pos = np.fromiter(
            map(layout.bits.get, itertools.chain.from_iterable(lists), itertools.repeat(width)),
            np.int64,
            count=int(lengths.sum()),
        )
    except TypeError:  # an unhashable item (a list in the list): row by row
        return _encode_lists_slowly(mets, layout, np)
    stride = width + 64
    at = np.repeat(np.arange(0, k * stride, stride, dtype=np.int64), lengths)
    at += pos
    dense = np.zeros(k * stride, np.bool_)
    dense[at] = True
    packed = np.packbits(dense.reshape(k, stride), axis=1, bitorder="little")
    words = np.ascontiguousarray(packed.view("<u8").T[: layout.words])
    got = np.zeros(k, np.int64)
    for w in range(layout.words):
        got += np.bitwise_count(words[w])
    return words, got == lengths


def _encode_lists_slowly(mets: list[Any], layout: Any, np: Any) -> tuple[Any, Any]:
    """``_encode_lists`` one row at a time, for lists holding unhashable items."""
    k = len(mets)
    ok = np.ones(k, np.bool_)
    cols: list[int] = []
    pos: list[int] = []
    get = layout.bits.get
    for j, met in enumerate(mets):
        if not met:
            continue
        got = [get(x) if type(x) is str else None for x in met]
        if None in got or len(set(got)) != len(got):
            ok[j] = False
            continue
        cols.extend([j] * len(got))
        pos.extend(got)  # type: ignore[arg-type]
    return _pack(np.array(pos, np.int64), np.array(cols, np.int64), layout.words, k, np), ok
