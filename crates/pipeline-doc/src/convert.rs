//! JSON ↔ Loro. The pipeline's data (what the YAML means) is JSON-shaped; in the document every mapping is a
//! `LoroMap` and every list a `LoroList`, so concurrent edits of different fields or items merge.

use loro::{LoroList, LoroMap, LoroResult, LoroValue, ValueOrContainer};
use serde_json::{Map, Number, Value};

/// A JSON scalar as a Loro value (`None` for objects and arrays, which become containers).
pub fn scalar(v: &Value) -> Option<LoroValue> {
    Some(match v {
        Value::Null => LoroValue::Null,
        Value::Bool(b) => LoroValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => LoroValue::I64(i),
            _ => LoroValue::Double(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => LoroValue::String(s.as_str().into()),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

/// A Loro value (with nested containers already resolved, as `get_deep_value` gives) as JSON.
pub fn to_json(v: &LoroValue) -> Value {
    match v {
        LoroValue::Null | LoroValue::Container(_) => Value::Null,
        LoroValue::Bool(b) => Value::Bool(*b),
        LoroValue::Double(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        LoroValue::I64(i) => Value::Number((*i).into()),
        LoroValue::Binary(_) => Value::Null,
        LoroValue::String(s) => Value::String(s.to_string()),
        LoroValue::List(items) => Value::Array(items.iter().map(to_json).collect()),
        LoroValue::Map(m) => {
            // Loro maps are unordered; sort for a deterministic result (export reorders like the base text).
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::with_capacity(keys.len());
            for k in keys {
                if let Some(x) = m.get(k) {
                    out.insert(k.clone(), to_json(x));
                }
            }
            Value::Object(out)
        }
    }
}

/// The JSON value of a map entry or list item.
pub fn voc_json(v: &ValueOrContainer) -> Value {
    match v {
        ValueOrContainer::Value(v) => to_json(v),
        ValueOrContainer::Container(c) => match c {
            loro::Container::Map(m) => to_json(&m.get_deep_value()),
            loro::Container::List(l) => to_json(&l.get_deep_value()),
            loro::Container::MovableList(l) => to_json(&l.get_deep_value()),
            loro::Container::Text(t) => Value::String(t.to_string()),
            _ => Value::Null,
        },
    }
}

/// Sets `map[key]` to `v`, creating containers for objects and arrays.
pub fn map_set(map: &LoroMap, key: &str, v: &Value) -> LoroResult<()> {
    match v {
        Value::Object(o) => fill_map(&map.insert_container(key, LoroMap::new())?, o),
        Value::Array(a) => fill_list(&map.insert_container(key, LoroList::new())?, a),
        _ => map.insert(key, scalar(v).unwrap_or(LoroValue::Null)),
    }
}

/// Inserts `v` at `pos` of `list`.
pub fn list_insert(list: &LoroList, pos: usize, v: &Value) -> LoroResult<()> {
    match v {
        Value::Object(o) => fill_map(&list.insert_container(pos, LoroMap::new())?, o),
        Value::Array(a) => fill_list(&list.insert_container(pos, LoroList::new())?, a),
        _ => list.insert(pos, scalar(v).unwrap_or(LoroValue::Null)),
    }
}

pub fn fill_map(map: &LoroMap, o: &Map<String, Value>) -> LoroResult<()> {
    for (k, v) in o {
        map_set(map, k, v)?;
    }
    Ok(())
}

pub fn fill_list(list: &LoroList, a: &[Value]) -> LoroResult<()> {
    for (i, v) in a.iter().enumerate() {
        list_insert(list, i, v)?;
    }
    Ok(())
}

/// Makes `map` hold exactly `target` with as few operations as possible: unchanged keys are not touched, so
/// a concurrent edit of another key survives.
pub fn sync_map(map: &LoroMap, target: &Map<String, Value>) -> LoroResult<()> {
    let keys: Vec<String> = map.keys().map(|k| k.to_string()).collect();
    for k in keys {
        if !target.contains_key(&k) {
            map.delete(&k)?;
        }
    }
    for (k, v) in target {
        match (map.get(k), v) {
            (Some(ValueOrContainer::Container(loro::Container::Map(m))), Value::Object(o)) => sync_map(&m, o)?,
            (Some(ValueOrContainer::Container(loro::Container::List(l))), Value::Array(a)) => sync_list(&l, a)?,
            (Some(cur), _) if voc_json(&cur) == *v => {}
            _ => map_set(map, k, v)?,
        }
    }
    Ok(())
}

/// Makes `list` hold exactly `target`: equal items at both ends are kept; in the changed middle, items are
/// synced in place when the lengths agree, else replaced.
pub fn sync_list(list: &LoroList, target: &[Value]) -> LoroResult<()> {
    let current: Vec<Value> = (0..list.len()).map(|i| list.get(i).map_or(Value::Null, |v| voc_json(&v))).collect();
    let n = current.len();
    let m = target.len();
    let mut pre = 0;
    while pre < n.min(m) && current[pre] == target[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < (n - pre).min(m - pre) && current[n - 1 - suf] == target[m - 1 - suf] {
        suf += 1;
    }
    let (old_mid, new_mid) = (n - pre - suf, m - pre - suf);
    if old_mid == new_mid {
        for (i, t) in target.iter().enumerate().skip(pre).take(old_mid) {
            match (list.get(i), t) {
                (Some(ValueOrContainer::Container(loro::Container::Map(mm))), Value::Object(o)) => sync_map(&mm, o)?,
                (Some(ValueOrContainer::Container(loro::Container::List(l))), Value::Array(a)) => sync_list(&l, a)?,
                _ => {
                    list.delete(i, 1)?;
                    list_insert(list, i, t)?;
                }
            }
        }
        return Ok(());
    }
    if old_mid > 0 {
        list.delete(pre, old_mid)?;
    }
    for (k, v) in target[pre..pre + new_mid].iter().enumerate() {
        list_insert(list, pre + k, v)?;
    }
    Ok(())
}
