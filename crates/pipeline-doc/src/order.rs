//! Key order for export. Loro maps are unordered, so the model's key order is taken from the base text:
//! keys the base has keep its order, new keys follow: `name` and `type` first (how people write a step or a
//! prompt item), the rest sorted. Steps are matched to the base's steps
//! by name (else position), so a moved step keeps its key order. Deterministic: every replica exports alike.

use serde_json::{Map, Value};

/// Rank of a new key: `name`, then `type`, then everything else.
fn lead(key: &str) -> u8 {
    match key {
        "name" => 0,
        "type" => 1,
        _ => 2,
    }
}

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
            rest.sort_by(|a, b| (lead(&a.0), &a.0).cmp(&(lead(&b.0), &b.0)));
            for (k, x) in rest {
                out.insert(k, fresh(x));
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
                        None => fresh(x),
                    }
                })
                .collect();
            Value::Array(items)
        }
        (v, _) => fresh(v),
    }
}

/// Order for data the base text does not have at all (a new step, a new prompt item): `lead` order, then
/// sorted, all the way down.
fn fresh(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut items: Vec<(String, Value)> = m.into_iter().collect();
            items.sort_by(|a, b| (lead(&a.0), &a.0).cmp(&(lead(&b.0), &b.0)));
            Value::Object(items.into_iter().map(|(k, x)| (k, fresh(x))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(fresh).collect()),
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base_order_kept_and_new_keys_lead_with_name_and_type() {
        let base = json!({"workflow": {"steps": [{"type": "gemini", "name": "a"}]}});
        let v = json!({"workflow": {"steps": [
            {"name": "a", "type": "gemini", "prompt": [{"step": "x", "type": "previous_response"}]},
            {"prompt": [], "type": "claude", "name": "b"}
        ]}});
        let out = order_like(v, &base);
        let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
        let steps = &out["workflow"]["steps"];
        assert_eq!(keys(&steps[0]), ["type", "name", "prompt"]);
        assert_eq!(keys(&steps[0]["prompt"][0]), ["type", "step"]);
        assert_eq!(keys(&steps[1]), ["name", "type", "prompt"]);
    }
}
