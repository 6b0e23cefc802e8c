//! Login rate limit: at most `PER_EMAIL` failed attempts per email and `PER_IP` per client address within
//! `WINDOW`; past that, login answers 429 until the window has moved on. In memory, per node.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(60);
pub const PER_EMAIL: usize = 5;
pub const PER_IP: usize = 20;

#[derive(Default)]
pub struct RateLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    fn keys(email: &str, ip: &str) -> [(String, usize); 2] {
        [(format!("email:{}", email.trim().to_lowercase()), PER_EMAIL), (format!("ip:{ip}"), PER_IP)]
    }

    /// Whether another attempt is allowed now; `Err(seconds)` until the next one is.
    pub fn check(&self, email: &str, ip: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, limit) in Self::keys(email, ip) {
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    q.pop_front();
                }
                if q.len() >= limit {
                    let wait = q.front().map_or(WINDOW, |t| WINDOW.saturating_sub(now.duration_since(*t)));
                    return Err(wait.as_secs().max(1));
                }
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, email: &str, ip: &str) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| t.elapsed() < WINDOW));
        }
        for (key, _) in Self::keys(email, ip) {
            map.entry(key).or_default().push_back(Instant::now());
        }
    }

    pub fn record_success(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&format!("email:{}", email.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_email_then_per_ip() {
        let l = RateLimiter::default();
        for _ in 0..PER_EMAIL {
            assert!(l.check("a@x", "1").is_ok());
            l.record_failure("a@x", "1");
        }
        assert!(l.check("A@x", "2").is_err());
        assert!(l.check("b@x", "2").is_ok());
        for i in 0..PER_IP {
            l.record_failure(&format!("{i}@y"), "9");
        }
        assert!(l.check("new@x", "9").is_err());
    }
}
