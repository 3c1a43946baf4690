#!/usr/bin/env python3
"""Reads a ModelGen checkpoint with numpy alone and writes it back, as an independent check of the file format.

Not run by the test command (it needs Python and numpy). The `safetensors` package is not used, so that the check
rests on the format description (docs/checkpoints.md) rather than on one implementation:

    check_safetensors.py show FILE                 validate FILE and list its tensors and metadata
    check_safetensors.py roundtrip IN OUT          validate IN, then write its tensors and metadata to OUT in the order
                                                   the safetensors library writes (dtype size descending, then name)
    check_safetensors.py roundtrip IN OUT --pytorch
                                                   the same, with every rank-2/4 "*/kernel" transposed to PyTorch's
                                                   [out, in] / [out, in, kh, kw] and the optimizer state left out,
                                                   for LoadOptions.PyTorchLayout
    check_safetensors.py roundtrip IN OUT --f64    the same, with F32 tensors widened to F64 (ModelGen rounds them back)

Exit status 0 when every check passed; a message naming the problem and status 1 otherwise.
"""
import json
import struct
import sys

import numpy as np

# safetensors dtype -> little-endian numpy dtype. BF16 and the F8 types have no numpy dtype and are kept as raw bytes.
DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}
RAW_SIZES = {"BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1}
MAX_HEADER = 100 * 1024 * 1024


class FormatError(Exception):
    pass


def element_size(dtype):
    if dtype in DTYPES:
        return np.dtype(DTYPES[dtype]).itemsize
    if dtype in RAW_SIZES:
        return RAW_SIZES[dtype]
    raise FormatError(f"unknown dtype {dtype!r}")


def read(path):
    """Returns (tensors: name -> (dtype, numpy array), metadata: dict), after checking the whole layout."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise FormatError(f"{len(blob)} bytes: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > MAX_HEADER or 8 + n > len(blob):
        raise FormatError(f"header length {n} does not fit a file of {len(blob)} bytes")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise FormatError("the header is not a JSON object")
    data = memoryview(blob)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise FormatError("__metadata__ is not a map of strings")

    tensors, spans = {}, []
    for name, entry in header.items():
        dtype, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not 0 <= begin <= end <= len(data):
            raise FormatError(f"{name}: data_offsets [{begin}, {end}] outside the data region of {len(data)} bytes")
        if count * element_size(dtype) != end - begin:
            raise FormatError(f"{name}: shape {shape} of {dtype} does not fill [{begin}, {end})")
        raw = bytes(data[begin:end])
        if dtype in DTYPES:
            array = np.frombuffer(raw, dtype=DTYPES[dtype]).reshape(shape)
        else:
            array = np.frombuffer(raw, dtype="u1").reshape(list(shape) + [RAW_SIZES[dtype]])
        tensors[name] = (dtype, array)
        spans.append((begin, end, name))

    covered = 0
    for begin, end, name in sorted(spans):
        if begin != covered:
            raise FormatError(f"{name}: starts at {begin}, expected {covered} (a gap or an overlap)")
        covered = end
    if covered != len(data):
        raise FormatError(f"the tensors cover {covered} of the {len(data)} data bytes")
    return tensors, metadata


def check_modelgen(tensors, metadata):
    """The ModelGen conventions on top of the format: metadata entries and the optimizer state's names and shapes."""
    for key in ("modelgen.format", "modelgen.model"):
        if key not in metadata:
            raise FormatError(f"no {key!r} metadata entry: not written by ModelGen")
    if "modelgen.optimizer" not in metadata:
        if any(name.startswith("optimizer/") for name in tensors):
            raise FormatError("optimizer tensors without a 'modelgen.optimizer' metadata entry")
        return
    optimizer = json.loads(metadata["modelgen.optimizer"])
    dtype, step = tensors["optimizer/iterations"]
    if dtype != "I64" or step.shape != ():
        raise FormatError(f"optimizer/iterations is {dtype} {list(step.shape)}, expected I64 []")
    variables = {name for name in tensors if not name.startswith("optimizer/")}
    for name, (dtype, array) in tensors.items():
        if not name.startswith("optimizer/") or name == "optimizer/iterations":
            continue
        _, slot, variable = name.split("/", 2)
        if slot not in optimizer["slots"]:
            raise FormatError(f"{name}: {slot!r} is not a slot of {optimizer['type']} ({optimizer['slots']})")
        if variable not in variables or tensors[variable][1].shape != array.shape or dtype != "F32":
            raise FormatError(f"{name}: not an F32 tensor of the shape of a variable {variable!r}")
    print(f"optimizer {optimizer['type']} at step {int(step)}, slots {optimizer['slots']}")


def to_pytorch(name, array):
    """TensorFlow's [in, out] and [kh, kw, in, out] kernels in PyTorch's [out, in] and [out, in, kh, kw]."""
    if not name.endswith("/kernel"):
        return array
    if array.ndim == 2:
        return array.T
    if array.ndim == 4:
        return array.transpose(3, 2, 0, 1)
    return array


def write(path, tensors, metadata):
    """Writes like safetensors' serializer: tensors by dtype size descending then name, header padded with spaces to 8."""
    order = sorted(tensors, key=lambda name: (-element_size(tensors[name][0]), name))
    header, chunks, offset = {}, [], 0
    for name in order:
        dtype, array = tensors[name]
        raw = np.ascontiguousarray(array).astype(DTYPES.get(dtype, "u1"), copy=False).tobytes()
        shape = list(array.shape) if dtype in DTYPES else list(array.shape[:-1])
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def main(argv):
    if len(argv) >= 2 and argv[0] == "show":
        tensors, metadata = read(argv[1])
        for name, (dtype, array) in tensors.items():
            print(f"{name} {dtype} {list(array.shape)}")
        print(json.dumps(metadata, indent=1))
        check_modelgen(tensors, metadata)
        return 0
    if len(argv) >= 3 and argv[0] == "roundtrip":
        tensors, metadata = read(argv[1])
        check_modelgen(tensors, metadata)
        if "--pytorch" in argv[3:]:
            tensors = {name: (dtype, to_pytorch(name, array)) for name, (dtype, array) in tensors.items()
                       if not name.startswith("optimizer/")}
            metadata = {k: v for k, v in metadata.items() if k != "modelgen.optimizer"}
        if "--f64" in argv[3:]:
            tensors = {name: ("F64", array.astype("<f8")) if dtype == "F32" else (dtype, array)
                       for name, (dtype, array) in tensors.items()}
        metadata = dict(metadata, **{"written.by": "check_safetensors.py (numpy " + np.__version__ + ")"})
        write(argv[2], tensors, metadata)
        again, _ = read(argv[2])
        for name, (dtype, array) in tensors.items():
            if again[name][0] != dtype or not np.array_equal(again[name][1], array):
                raise FormatError(f"{name}: changed when read back")
        print(f"wrote {len(tensors)} tensors to {argv[2]}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (FormatError, KeyError, ValueError) as e:
        print(f"check_safetensors: {e}", file=sys.stderr)
        sys.exit(1)
