"""Just enough ELF to tell whether a shared object loads on a given glibc.

A binary that calls glibc records, in its ``.gnu.version_r`` section (``SHT_GNU_verneed``),
each symbol version it needs per library: ``GLIBC_2.17`` from ``libc.so.6`` and so on. The
dynamic loader refuses the file if the system's glibc lacks any of them, so the highest
``GLIBC_x.y`` is the oldest glibc the file runs on. ``objdump -T`` and ``readelf -V`` show
the same table; this reads it directly, so the check needs no binutils.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

ELF_MAGIC = b"\x7fELF"
MACHINES = {3: "x86", 62: "x86_64", 183: "aarch64"}
SHT_GNU_VERNEED = 0x6FFFFFFE
_GLIBC = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$")


@dataclass(frozen=True)
class ElfInfo:
    path: Path
    machine: str
    needed_versions: dict[str, frozenset[str]]  # library -> symbol versions it must provide

    @property
    def glibc(self) -> tuple[int, ...] | None:
        """The highest GLIBC_x.y this file needs (None: it needs no versioned glibc symbol)."""
        found = [
            tuple(int(g) for g in m.groups() if g is not None)
            for versions in self.needed_versions.values()
            for v in versions
            if (m := _GLIBC.match(v))
        ]
        return max(found) if found else None


def is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == ELF_MAGIC


def read_elf(path: Path) -> ElfInfo:
    data = path.read_bytes()
    if data[:4] != ELF_MAGIC:
        raise ValueError(f"{path} is not an ELF file")
    if data[4] != 2:
        raise ValueError(f"{path} is not a 64-bit ELF file")
    end = "<" if data[5] == 1 else ">"
    (machine,) = struct.unpack_from(end + "H", data, 18)
    (shoff,) = struct.unpack_from(end + "Q", data, 0x28)
    shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
    sections = []
    for i in range(shnum):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, ...
        fields = struct.unpack_from(end + "IIQQQQII", data, shoff + i * shentsize)
        sections.append(fields)
    needed: dict[str, set[str]] = {}
    for _, sh_type, _, _, offset, _, link, count in sections:
        if sh_type != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]

        def name_at(index: int, strtab: int = strtab) -> str:
            stop = data.index(b"\0", strtab + index)
            return data[strtab + index : stop].decode()

        entry = offset
        for _ in range(count):  # sh_info: the number of Verneed entries
            _, cnt, file_index, aux, next_entry = struct.unpack_from(end + "HHIII", data, entry)
            library = name_at(file_index)
            at = entry + aux
            for _ in range(cnt):
                _, _, _, vna_name, vna_next = struct.unpack_from(end + "IHHII", data, at)
                needed.setdefault(library, set()).add(name_at(vna_name))
                at += vna_next
            entry += next_entry
    return ElfInfo(
        path,
        MACHINES.get(machine, f"machine {machine}"),
        {lib: frozenset(v) for lib, v in needed.items()},
    )
