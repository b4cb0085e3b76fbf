//! The Python module `engine_rs`: a thin PyO3 wrapper of the `arbx-engine` core.
//!
//! Amounts cross the boundary as Python ints (converted to and from `u128` natively; every
//! amount is below 2^128). Batches are columns (sequences of ints), and results are `Found`
//! sequences that build one tuple per profitable cycle as it is read. The GIL is released while the core works.

mod error;

use arbx_engine::{Config, Engine as Core, Opportunity, PoolState, MAX_RESERVE};
use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::exceptions::{PyIndexError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::error::{bad_argument, to_py, EngineError, UnknownPoolError};

const U64: &str = "an integer in [0, 2**64)";
const U128: &str = "an integer in [0, 2**128)";
const U32: &str = "an integer in [0, 2**32)";

/// Runs core work without the GIL. The core is written not to panic (checked arithmetic,
/// explicit errors); should it ever, the panic becomes a `RuntimeError` here instead of
/// unwinding into Python.
fn detached<T: Send>(py: Python<'_>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)))
        .map_err(|_| PyRuntimeError::new_err("internal engine error (a bug): please report it"))
}

/// Extracts a sequence item by item, naming the bad item in the error.
fn column<'py, T>(
    obj: &Bound<'py, PyAny>,
    what: &str,
    expected: &str,
    extract: impl Fn(&Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    let iter = obj
        .try_iter()
        .map_err(|e| bad_argument(what, None, "a sequence", &e))?;
    let mut out = Vec::with_capacity(obj.len().unwrap_or(0));
    for (i, item) in iter.enumerate() {
        let item = item?;
        out.push(extract(&item).map_err(|e| bad_argument(what, Some(i), expected, &e))?);
    }
    Ok(out)
}

fn u64s(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u64>> {
    column(obj, what, U64, |x| x.extract::<u64>())
}

fn u128s(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u128>> {
    column(obj, what, U128, |x| x.extract::<u128>())
}

fn scalar<'py, T>(
    obj: &Bound<'py, PyAny>,
    what: &str,
    expected: &str,
    extract: impl Fn(&Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<T> {
    extract(obj).map_err(|e| bad_argument(what, None, expected, &e))
}

/// A Python int from a `u128`, through the fast 64-bit constructor when it fits.
fn int<'py>(py: Python<'py>, v: u128) -> PyResult<Bound<'py, PyAny>> {
    Ok(match u64::try_from(v) {
        Ok(small) => small.into_pyobject(py)?.into_any(),
        Err(_) => v.into_pyobject(py)?.into_any(),
    })
}

/// One opportunity as `(profit, amount_in, start_token, pools, tokens, amounts_out)`.
fn opportunity<'py>(py: Python<'py>, o: &Opportunity) -> PyResult<Bound<'py, PyTuple>> {
    let pools = PyTuple::new(py, o.pools())?;
    let tokens = PyTuple::new(py, o.tokens())?;
    let amounts = o
        .amounts_out()
        .iter()
        .map(|&a| int(py, a))
        .collect::<PyResult<Vec<_>>>()?;
    let amounts = PyTuple::new(py, amounts)?;
    let row = [
        int(py, o.profit)?,
        int(py, o.amount_in)?,
        o.start_token.into_pyobject(py)?.into_any(),
        pools.into_any(),
        tokens.into_any(),
        amounts.into_any(),
    ];
    PyTuple::new(py, row)
}

/// The profitable cycles of one scan or update, best first: a read-only sequence that keeps
/// them in Rust and builds each tuple only when it is read (a scan of junk pools can return
/// tens of thousands, of which a caller usually reads the best few).
#[pyclass(module = "engine_rs", frozen, sequence)]
pub struct Found {
    items: Vec<Opportunity>,
}

#[pymethods]
impl Found {
    fn __len__(&self) -> usize {
        self.items.len()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyTuple>> {
        let len = self.items.len() as isize;
        let at = if index < 0 { index + len } else { index };
        if !(0..len).contains(&at) {
            return Err(PyIndexError::new_err(format!(
                "index {index} out of range for {len} opportunities"
            )));
        }
        opportunity(py, &self.items[at as usize])
    }

    fn __iter__(slf: Py<Self>) -> FoundIter {
        FoundIter {
            found: slf,
            next: AtomicUsize::new(0),
        }
    }

    /// The profits alone, best first (no tuple built per cycle).
    fn profits(&self) -> Vec<u128> {
        self.items.iter().map(|o| o.profit).collect()
    }

    fn __repr__(&self) -> String {
        format!("<Found: {} opportunities>", self.items.len())
    }
}

/// Iterates a `Found` in order, building one tuple per step.
#[pyclass(module = "engine_rs", frozen)]
pub struct FoundIter {
    found: Py<Found>,
    next: AtomicUsize,
}

#[pymethods]
impl FoundIter {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let at = self.next.fetch_add(1, Ordering::Relaxed);
        match self.found.get().items.get(at) {
            Some(o) => opportunity(py, o).map(Some),
            None => Ok(None),
        }
    }
}

/// The arbitrage engine: pools, the cycle index, exact sizing.
#[pyclass(module = "engine_rs")]
pub struct Engine {
    core: Core,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (max_hops = None, hubs = None, default_max_input = None, default_min_profit = None))]
    fn new(
        max_hops: Option<&Bound<'_, PyAny>>,
        hubs: Option<&Bound<'_, PyAny>>,
        default_max_input: Option<&Bound<'_, PyAny>>,
        default_min_profit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let max_hops = max_hops.map_or(Ok(3), |h| {
            scalar(h, "max_hops", "2, 3 or 4", |x| x.extract::<u8>())
        })?;
        let hubs = hubs
            .map(|h| u64s(h, "hubs"))
            .transpose()?
            .unwrap_or_default();
        let amount = |x: Option<&Bound<'_, PyAny>>, what: &str, default: u128| {
            x.map_or(Ok(default), |x| {
                scalar(x, what, U128, |v| v.extract::<u128>())
            })
        };
        let config = Config {
            max_hops,
            hubs,
            default_max_input: amount(default_max_input, "default_max_input", MAX_RESERVE)?,
            default_min_profit: amount(default_min_profit, "default_min_profit", 1)?,
        };
        Ok(Self {
            core: Core::new(config).map_err(to_py)?,
        })
    }

    #[getter]
    fn max_hops(&self) -> u8 {
        self.core.config().max_hops
    }

    #[getter]
    fn hubs(&self) -> Vec<u64> {
        self.core.config().hubs.clone()
    }

    /// Inserts or replaces pools, given as six equal-length columns.
    #[allow(clippy::too_many_arguments)] // the six columns of the batch, as Python passes them
    fn upsert_pools(
        &mut self,
        py: Python<'_>,
        pool_ids: &Bound<'_, PyAny>,
        token0s: &Bound<'_, PyAny>,
        token1s: &Bound<'_, PyAny>,
        reserve0s: &Bound<'_, PyAny>,
        reserve1s: &Bound<'_, PyAny>,
        fee_ppms: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ids = u64s(pool_ids, "pool_ids")?;
        let t0 = u64s(token0s, "token0s")?;
        let t1 = u64s(token1s, "token1s")?;
        let r0 = u128s(reserve0s, "reserve0s")?;
        let r1 = u128s(reserve1s, "reserve1s")?;
        let fees = column(fee_ppms, "fee_ppms", U32, |x| x.extract::<u32>())?;
        for (what, len) in [
            ("token0s", t0.len()),
            ("token1s", t1.len()),
            ("reserve0s", r0.len()),
            ("reserve1s", r1.len()),
            ("fee_ppms", fees.len()),
        ] {
            if len != ids.len() {
                return Err(EngineError::new_err(format!(
                    "{what} has {len} items, expected {}",
                    ids.len()
                )));
            }
        }
        let batch: Vec<PoolState> = (0..ids.len())
            .map(|i| PoolState {
                pool_id: ids[i],
                token0: t0[i],
                token1: t1[i],
                reserve0: r0[i],
                reserve1: r1[i],
                fee_ppm: fees[i],
            })
            .collect();
        let core = &mut self.core;
        detached(py, || core.upsert_pools(&batch))?.map_err(to_py)
    }

    /// Removes pools and their cycles.
    fn remove_pools(&mut self, py: Python<'_>, pool_ids: &Bound<'_, PyAny>) -> PyResult<()> {
        let ids = u64s(pool_ids, "pool_ids")?;
        let core = &mut self.core;
        detached(py, || core.remove_pools(&ids))?.map_err(to_py)
    }

    /// Sets reserves; returns the profitable cycles through those pools, best first.
    fn update_reserves<'py>(
        &mut self,
        py: Python<'py>,
        pool_ids: &Bound<'py, PyAny>,
        reserve0s: &Bound<'py, PyAny>,
        reserve1s: &Bound<'py, PyAny>,
    ) -> PyResult<Found> {
        let ids = u64s(pool_ids, "pool_ids")?;
        let r0 = u128s(reserve0s, "reserve0s")?;
        let r1 = u128s(reserve1s, "reserve1s")?;
        let core = &mut self.core;
        let items = detached(py, || core.update_reserves(&ids, &r0, &r1))?.map_err(to_py)?;
        Ok(Found { items })
    }

    /// Evaluates every cycle; returns the profitable ones, best first.
    fn scan_all(&mut self, py: Python<'_>) -> PyResult<Found> {
        let core = &mut self.core;
        let items = detached(py, || core.scan_all())?;
        Ok(Found { items })
    }

    /// Exact output of each hop along `pool_ids`, starting with `amount_in` of `token_in`.
    fn quote(
        &self,
        py: Python<'_>,
        pool_ids: &Bound<'_, PyAny>,
        token_in: &Bound<'_, PyAny>,
        amount_in: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<u128>> {
        let ids = u64s(pool_ids, "pool_ids")?;
        let token = scalar(token_in, "token_in", U64, |x| x.extract::<u64>())?;
        let amount = scalar(amount_in, "amount_in", U128, |x| x.extract::<u128>())?;
        let core = &self.core;
        detached(py, || core.quote(&ids, token, amount))?.map_err(to_py)
    }

    /// Largest input and smallest reported profit of cycles starting at `token`.
    #[pyo3(signature = (token, max_input = None, min_profit = None))]
    fn set_token_limits(
        &mut self,
        token: &Bound<'_, PyAny>,
        max_input: Option<&Bound<'_, PyAny>>,
        min_profit: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let token = scalar(token, "token", U64, |x| x.extract::<u64>())?;
        let amount = |x: Option<&Bound<'_, PyAny>>, what: &str| {
            x.map(|x| scalar(x, what, U128, |v| v.extract::<u128>()))
                .transpose()
        };
        let max_input = amount(max_input, "max_input")?;
        let min_profit = amount(min_profit, "min_profit")?;
        self.core
            .set_token_limits(token, max_input, min_profit)
            .map_err(to_py)
    }

    /// Counts of pools, tokens, directed cycles per hop count, and index bytes.
    fn stats<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let core = &mut self.core;
        let s = detached(py, || core.stats())?;
        let d = PyDict::new(py);
        d.set_item("pools", s.pools)?;
        d.set_item("tokens", s.tokens)?;
        d.set_item("cycles_2", s.cycles_2)?;
        d.set_item("cycles_3", s.cycles_3)?;
        d.set_item("cycles_4", s.cycles_4)?;
        d.set_item("directed_cycles", s.directed_cycles())?;
        d.set_item("index_bytes", s.index_bytes)?;
        Ok(d)
    }

    /// Every directed cycle of `hops` hops as two byte strings: pool ids as little-endian
    /// u64 (`hops` per cycle), and one byte per cycle whose bit i is set when hop i sells
    /// token0 of its pool.
    fn directed_cycles<'py>(
        &mut self,
        py: Python<'py>,
        hops: usize,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let core = &mut self.core;
        let (ids, dirs) = detached(py, || core.directed_cycles(hops))?;
        let bytes: Vec<u8> = ids.iter().flat_map(|id| id.to_le_bytes()).collect();
        Ok((PyBytes::new(py, &bytes), PyBytes::new(py, &dirs)))
    }
}

#[pymodule]
fn engine_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_RESERVE", MAX_RESERVE)?;
    m.add("FEE_DENOMINATOR", arbx_engine::FEE_DENOMINATOR)?;
    m.add("EngineError", m.py().get_type::<EngineError>())?;
    m.add("UnknownPoolError", m.py().get_type::<UnknownPoolError>())?;
    m.add_class::<Engine>()?;
    m.add_class::<Found>()?;
    m.add_class::<FoundIter>()?;
    Ok(())
}
