//! Key order for export. Loro maps are unordered, so the model's key order is taken from the base text:
//! keys the base has keep its order, new keys follow in sorted order. Steps are matched to the base's steps
//! by name (else position), so a moved step keeps its key order. Deterministic: every replica exports alike.

use serde_json::{Map, Value};

pub fn order_like(v: Value, base: &Value) -> Value {
    match (v, base) {
        (Value::Object(m), Value::Object(b)) => {
            let mut m = m;
            let mut out = Map::with_capacity(m.len());
            for (k, bv) in b {
                if let Some(x) = m.remove(k) {
                    out.insert(k.clone(), order_like(x, bv));
                }
            }
            let mut rest: Vec<(String, Value)> = m.into_iter().collect();
            rest.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, x) in rest {
                out.insert(k, x);
            }
            Value::Object(out)
        }
        (Value::Array(a), Value::Array(b)) => {
            let mut used = vec![false; b.len()];
            let items = a
                .into_iter()
                .enumerate()
                .map(|(i, x)| {
                    let by_name =
                        x.get("name").and_then(|n| (0..b.len()).find(|&j| !used[j] && b[j].get("name") == Some(n)));
                    let j = by_name.or_else(|| (i < b.len() && !used[i]).then_some(i));
                    match j {
                        Some(j) => {
                            used[j] = true;
                            order_like(x, &b[j])
                        }
                        None => x,
                    }
                })
                .collect();
            Value::Array(items)
        }
        (v, _) => v,
    }
}
