"""``Module`` and ``Parameter``: layers that own learnable Values, PyTorch-style.

A Module registers the Parameters and sub-Modules assigned to its attributes, so
``parameters()`` finds every weight of a network. Calling a module runs ``forward``
inside ``gg.group(<class name>)``: every node it records carries that group path, and
the renderer can draw the layer collapsed into one box or expanded into its gates.
"""
from __future__ import annotations

import zipfile
from collections import OrderedDict

import numpy as np

from ...autograd import group
from ...value import Value, cast_in_place, clear_grad, get_tag, set_tags

_PARAM_META = "parameter"
_DEFAULT_NAME = "default_name"     # the name is a layer's generic one, free to make unique


class _ParameterMeta(type):
    def __instancecheck__(cls, obj):
        return obj.__class__ is Value and bool(get_tag(obj, _PARAM_META))


class Parameter(metaclass=_ParameterMeta):
    """A learnable leaf: a plain :class:`graphgrad.Value` with ``requires_grad=True``, tagged so
    that Modules register it. (It *is* a Value, so every op treats it as one.)

    >>> w = Parameter(np.zeros((3, 2)), name="W")
    >>> w.requires_grad, isinstance(w, Parameter), isinstance(w, Value)
    (True, True, True)
    """

    def __new__(cls, data, requires_grad: bool = True, name: str | None = None, dtype=None, *,
                default_name: bool = False):
        # default_name: ``name`` is a layer's generic one ("W", "b"); the first call of a
        # model whose layers share it renames it to its path ("0.weight"): see Module.__call__
        if isinstance(data, Value):
            data = data.numpy()
        v = Value(np.array(data, dtype=dtype) if dtype is not None or not isinstance(data, float)
                  else data, requires_grad=requires_grad, name=name)
        set_tags(v, **{_PARAM_META: True, _DEFAULT_NAME: bool(default_name) or name is None})
        return v


class Module:
    """Base class of layers and networks.

    Subclasses set Parameters, buffers (``register_buffer``) and sub-Modules as attributes
    in ``__init__`` and define ``forward``.

    >>> from graphgrad.nn import Linear
    >>> class TwoLayer(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1, self.fc2 = Linear(4, 8), Linear(8, 3)
    ...     def forward(self, x):
    ...         return self.fc2(self.fc1(x).relu())
    >>> len(list(TwoLayer().parameters()))
    4
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------ registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        if name in self._buffers:          # re-assigning a buffer keeps it a buffer
            object.__setattr__(self, name, None if value is None else np.asarray(value))
            return
        for d in (self._parameters, self._modules):
            d.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def register_buffer(self, name: str, array) -> None:
        """Keep a non-learnable array (e.g. BatchNorm's running mean) in ``state_dict``.

        >>> m = Module(); m.register_buffer("count", np.zeros(1)); list(m.state_dict())
        ['count']
        """
        arr = None if array is None else np.asarray(array)
        object.__setattr__(self, name, arr)
        self._buffers[name] = True

    def register_parameter(self, name: str, value) -> None:
        """Register ``value`` (a Value, or None for an absent optional weight) as a Parameter."""
        if value is not None and not isinstance(value, Parameter):
            value = Parameter(value)
        if value is None:
            object.__setattr__(self, name, None)
            return
        setattr(self, name, value)

    def add_module(self, name: str, module: "Module") -> None:
        """Register a sub-Module under ``name``."""
        if not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        setattr(self, name, module)

    # ------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: define forward()")

    def __call__(self, *args, **kwargs):
        if "_named" not in self.__dict__:          # once per model: cheap on every later call
            self._name_parameters()
        with group(type(self).__name__):
            return self.forward(*args, **kwargs)

    def _name_parameters(self) -> None:
        """Give the parameters drawings can tell apart: one with no name, or whose generic
        layer name ("W") another parameter of this model also has, is named by its path in
        the model (``0.weight``, ``fc1.bias``), as ``named_parameters`` lists it. Names
        the user gave are kept."""
        object.__setattr__(self, "_named", True)
        items = list(self.named_parameters())
        count: dict = {}
        for _, p in items:
            count[p.name] = count.get(p.name, 0) + 1
        for path, p in items:
            if get_tag(p, _DEFAULT_NAME) and (p.name is None or count[p.name] > 1):
                p.name = path
                set_tags(p, **{_DEFAULT_NAME: False})

    # ------------------------------------------------------------ traversal
    def named_children(self):
        """(name, module) for each direct sub-Module."""
        return iter(self._modules.items())

    def children(self):
        """Direct sub-Modules."""
        return iter(self._modules.values())

    def named_modules(self, prefix: str = ""):
        """(dotted name, module) for this module and all below it, depth-first ('' for self)."""
        stack = [(prefix, self)]
        seen = set()
        while stack:
            name, m = stack.pop()
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            kids = [(f"{name}.{k}" if name else k, c) for k, c in m._modules.items()]
            stack.extend(reversed(kids))

    def modules(self):
        """This module and every sub-Module."""
        return (m for _, m in self.named_modules())

    def named_parameters(self, prefix: str = ""):
        """(dotted name, Parameter) pairs, e.g. ``("0.weight", W)``; shared weights listed once."""
        seen = set()
        for mname, m in self.named_modules(prefix):
            for pname, p in m._parameters.items():
                if id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self):
        """Every Parameter of this module and its sub-Modules (for an optimizer)."""
        return (p for _, p in self.named_parameters())

    def named_buffers(self):
        for mname, m in self.named_modules():
            for bname in m._buffers:
                yield (f"{mname}.{bname}" if mname else bname), getattr(m, bname)

    # ------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout on, BatchNorm uses batch statistics). Returns self."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        """Evaluation mode (dropout off, BatchNorm uses running statistics). Returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to None."""
        for p in self.parameters():
            clear_grad(p)

    def apply(self, fn) -> "Module":
        """Call ``fn(module)`` on this module and every sub-Module (e.g. to initialise). Returns self.

        >>> from graphgrad import nn
        >>> from graphgrad.nn import Linear
        >>> def init_fn(m):
        ...     if isinstance(m, Linear): nn.init.xavier_normal_(m.weight, rng=0)
        >>> net = Sequential(Linear(3, 2)).apply(init_fn)
        """
        for m in list(self.modules()):
            fn(m)
        return self

    def to(self, dtype) -> "Module":
        """Cast every parameter and floating buffer to ``dtype`` in place (e.g. ``np.float32``). Returns self.

        >>> from graphgrad.nn import Linear
        >>> Linear(3, 2).to(np.float32).weight.dtype
        dtype('float32')
        """
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: expected a floating dtype, got {dt}")
        for p in self.parameters():
            cast_in_place(p, dt)
        for m in self.modules():
            for b in m._buffers:
                arr = getattr(m, b)
                if arr is not None and arr.dtype.kind == "f":
                    object.__setattr__(m, b, arr.astype(dt))
        return self

    def float(self) -> "Module":
        """``to(np.float32)``."""
        return self.to(np.float32)

    def double(self) -> "Module":
        """``to(np.float64)``."""
        return self.to(np.float64)

    def num_parameters(self) -> int:
        """Total number of learnable scalars. ``Linear(3, 2).num_parameters() == 8``"""
        return int(sum(p.size for p in self.parameters()))

    # ------------------------------------------------------------ state
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Copies of every parameter and buffer as numpy arrays, keyed by dotted name."""
        out = OrderedDict()
        for name, p in self.named_parameters():
            out[name] = np.array(p.numpy(), copy=True)
        for name, b in self.named_buffers():
            if b is not None:
                out[name] = np.array(b, copy=True)
        return out

    def load_state_dict(self, state, strict: bool = True) -> None:
        """Copy arrays from ``state`` (as made by ``state_dict``) into this module in place.

        Raises KeyError naming missing/unexpected keys (when ``strict``), ValueError naming
        the key and both shapes on a shape mismatch, and TypeError for object, complex or
        string arrays. Every entry is checked first: a refused load changes nothing.
        """
        if not hasattr(state, "items"):
            raise TypeError(f"load_state_dict: state must be a mapping of names to arrays (as made by "
                            f"state_dict()), got {type(state).__name__}")
        own = dict(self.named_parameters())
        bufs = {}
        for mname, m in self.named_modules():
            for bname in m._buffers:
                bufs[f"{mname}.{bname}" if mname else bname] = (m, bname)
        if strict:
            missing = [k for k in list(own) + [k for k, (m, b) in bufs.items() if getattr(m, b) is not None]
                       if k not in state]
            unexpected = [k for k in state if k not in own and k not in bufs]
            if missing or unexpected:
                raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        # Check every entry before changing anything: a refused load leaves the module as it was.
        updates = []
        for k, value in state.items():
            if k not in own and k not in bufs:
                continue   # not strict: unexpected keys are ignored
            what = "parameter" if k in own else "buffer"
            try:
                arr = np.asarray(value)
            except (TypeError, ValueError) as e:
                raise ValueError(f"load_state_dict: {what} {k!r} is not an array ({e})") from None
            if arr.dtype.kind not in ("fiu" if k in own else "fiub"):
                raise TypeError(f"load_state_dict: {what} {k!r} has dtype {arr.dtype} in the state; only real "
                                f"numeric arrays can be loaded (object, complex and string arrays are refused)")
            if k in own:
                p = own[k]
                if arr.shape != p.shape:
                    raise ValueError(f"load_state_dict: {k!r} has shape {arr.shape} in the state but "
                                     f"{p.shape} in the module")
                updates.append((p, None, np.array(arr, dtype=p.dtype)))
            else:
                m, b = bufs[k]
                old = getattr(m, b)
                if old is not None and old.shape != arr.shape:
                    raise ValueError(f"load_state_dict: buffer {k!r} has shape {arr.shape} in the state but "
                                     f"{old.shape} in the module")
                updates.append((m, b, np.array(arr, dtype=None if old is None else old.dtype)))
        for target, b, arr in updates:
            if b is None:
                target.data = arr
            else:
                object.__setattr__(target, b, arr)

    def save(self, path) -> None:
        """Write ``state_dict()`` to a ``.npz`` file (no pickles). ``net.save("net.npz")``"""
        np.savez(path, **self.state_dict())

    def load(self, path, strict: bool = True) -> "Module":
        """Read a ``.npz`` written by :meth:`save` (``allow_pickle=False``). Returns self.

        A file that is not such an archive (a pickle, a ``.npy``, text, a damaged zip) is
        one ValueError naming it, not numpy's message about pickles."""
        what = f"{type(self).__name__}.load: {str(path)!r} is not a .npz archive written by Module.save"
        try:
            f = np.load(path, allow_pickle=False)
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            raise
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
            raise ValueError(f"{what} ({type(e).__name__}); load only files that save() wrote") from None
        if not isinstance(f, np.lib.npyio.NpzFile):
            raise ValueError(f"{what} (it holds one {type(f).__name__}); load only files that save() wrote")
        with f:
            try:
                state = {k: f[k] for k in f.files}
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
                raise ValueError(f"{what} (a member cannot be read: {type(e).__name__}; object arrays "
                                 "need pickle, which is never used on load)") from None
        self.load_state_dict(state, strict=strict)
        return self

    # ------------------------------------------------------------ display
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        kids = list(self._modules.items())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not kids:
            return head + ")"
        lines = [head]
        for k, m in kids:
            sub = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({k}): {sub}")
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after another; indexable and iterable.

    >>> import graphgrad as gg
    >>> from graphgrad.nn import Linear, ReLU
    >>> net = Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
    >>> net(gg.Value(np.ones((2, 4)))).shape
    (2, 3)
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for k, m in modules[0].items():
                self.add_module(str(k), m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, i):
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of sub-Modules that registers them (no forward of its own)."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
