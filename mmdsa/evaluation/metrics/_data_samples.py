"""Reading data samples in the metrics: dict access and numpy conversion."""
import numpy as np


def to_numpy(value, dtype=np.float64) -> np.ndarray:
    """Tensor / array / list / scalar -> numpy array on the CPU."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=dtype)


def as_dict(sample) -> dict:
    """A data sample (``BaseDataElement`` or dict) as a flat dict."""
    if isinstance(sample, dict):
        return sample
    if hasattr(sample, 'to_dict'):
        return sample.to_dict()
    raise TypeError('metric: expected data samples as dicts or '
                    f'BaseDataElement, got {type(sample).__name__}')


def require(sample: dict, key: str, where: str):
    """``sample[key]`` or a ValueError naming the key and what came."""
    if key not in sample:
        raise ValueError(f'{where}: expected data sample key {key!r}, got '
                         f'keys {sorted(sample)}')
    return sample[key]
