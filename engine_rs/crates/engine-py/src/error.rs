//! The one place where core errors become Python exceptions.

use arbx_engine::EngineError as CoreError;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::PyErr;

create_exception!(
    engine_rs,
    EngineError,
    PyValueError,
    "Bad input to the engine (every engine error is one of these)."
);
create_exception!(
    engine_rs,
    UnknownPoolError,
    EngineError,
    "A pool id the engine does not hold."
);

/// Converts a core error into `UnknownPoolError` or `EngineError`.
pub fn to_py(err: CoreError) -> PyErr {
    match err {
        CoreError::UnknownPool(_) => UnknownPoolError::new_err(err.to_string()),
        _ => EngineError::new_err(err.to_string()),
    }
}

/// An argument that could not be converted (wrong type, negative, or too large).
pub fn bad_argument(what: &str, index: Option<usize>, expected: &str, cause: &PyErr) -> PyErr {
    let place = match index {
        Some(i) => format!("{what}[{i}]"),
        None => what.to_owned(),
    };
    EngineError::new_err(format!("{place}: expected {expected} ({cause})"))
}
