//! The baseline: `owner = servers[key mod N]`. Not consistent: growing from n to n+1 servers
//! moves a fraction n/(n+1) of the keys.
//!
//! Servers are kept in a list in id order of arrival; `add_server` appends a fresh id (ids are
//! never reused), `remove_server` deletes the id from the list, shifting the later ones.

use super::Placement;

/// Modulo-N placement over a list of server ids.
#[derive(Clone, Debug)]
pub struct ModN {
    servers: Vec<u32>,
    next_id: u32,
}

impl ModN {
    /// `servers` servers with ids `0..servers`. Panics if `servers == 0`.
    pub fn new(servers: u32) -> ModN {
        assert!(servers > 0, "ModN::new: servers must be >= 1");
        ModN {
            servers: (0..servers).collect(),
            next_id: servers,
        }
    }
}

impl Placement for ModN {
    fn name(&self) -> &'static str {
        "mod_n"
    }

    fn owner(&self, key: u64) -> u32 {
        self.servers[(key % self.servers.len() as u64) as usize]
    }

    fn add_server(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.servers.push(id);
        id
    }

    fn remove_server(&mut self, id: u32) -> Result<(), String> {
        let pos = self
            .servers
            .iter()
            .position(|&s| s == id)
            .ok_or_else(|| format!("mod_n: no server {id}"))?;
        if self.servers.len() == 1 {
            return Err("mod_n: cannot remove the last server".into());
        }
        self.servers.remove(pos);
        Ok(())
    }

    fn servers(&self) -> Vec<u32> {
        self.servers.clone()
    }

    fn memory_bytes(&self) -> usize {
        size_of::<Self>() + self.servers.len() * size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_keeps_exactly_the_crt_fraction() {
        // Shows (exact): over a full period of n(n+1) consecutive keys, exactly n keys keep
        // their server when going n -> n+1 (so the moved fraction is n/(n+1)).
        for n in 1..30u32 {
            let before = ModN::new(n);
            let mut after = before.clone();
            after.add_server();
            let period = u64::from(n) * u64::from(n + 1);
            let kept = (0..period)
                .filter(|&k| before.owner(k) == after.owner(k))
                .count();
            assert_eq!(kept as u32, n, "n={n}");
        }
    }

    #[test]
    fn ids_are_stable_across_removal() {
        // Shows: removing a server keeps the other ids, and add_server never reuses an id.
        let mut m = ModN::new(4);
        m.remove_server(1).unwrap();
        assert_eq!(m.servers(), vec![0, 2, 3]);
        assert_eq!(m.add_server(), 4);
        assert!(m.remove_server(1).is_err());
    }
}
