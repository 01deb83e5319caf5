//! Reading a spec whose protocol is known: one visitor, generic over the protocol's table
//! type, so the table is read by the same deserializer as the rest of the file and its errors
//! keep their field path, line and column.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};

use super::protocol::{DynProtocol, Params};
use super::spec::{COMMON_FIELDS, Expect, NetworkSpec, Proto, Spec};

/// Reads a TOML spec of `proto`. Errors read `field `path`: message`.
pub(crate) fn toml_spec<T>(
    proto: &'static dyn DynProtocol,
    text: &str,
    others: &[&str],
) -> Result<Spec, String>
where
    T: DeserializeOwned + Default + serde::Serialize + fmt::Debug + Send + Sync + 'static,
{
    let de = toml::Deserializer::parse(text).map_err(|e| e.to_string())?;
    with_path(de, seed::<T>(proto, others))
}

/// Reads a JSON spec of `proto`.
pub(crate) fn json_spec<T>(
    proto: &'static dyn DynProtocol,
    text: &str,
    others: &[&str],
) -> Result<Spec, String>
where
    T: DeserializeOwned + Default + serde::Serialize + fmt::Debug + Send + Sync + 'static,
{
    let mut de = serde_json::Deserializer::from_str(text);
    let spec = with_path(&mut de, seed::<T>(proto, others))?;
    de.end().map_err(|e| e.to_string())?;
    Ok(spec)
}

/// Reads a spec of `proto` from a TOML value tree.
pub(crate) fn value_spec<T>(
    proto: &'static dyn DynProtocol,
    v: toml::Value,
    others: &[&str],
) -> Result<Spec, String>
where
    T: DeserializeOwned + Default + serde::Serialize + fmt::Debug + Send + Sync + 'static,
{
    with_path(v, seed::<T>(proto, others))
}

fn seed<'a, T>(proto: &'static dyn DynProtocol, others: &'a [&'a str]) -> SpecSeed<'a, T> {
    SpecSeed {
        proto,
        others,
        table: PhantomData,
    }
}

fn with_path<'de, D, T>(de: D, seed: SpecSeed<'_, T>) -> Result<Spec, String>
where
    D: de::Deserializer<'de>,
    D::Error: fmt::Display,
    T: DeserializeOwned + Default + serde::Serialize + fmt::Debug + Send + Sync + 'static,
{
    let mut track = serde_path_to_error::Track::new();
    let wrapped = serde_path_to_error::Deserializer::new(de, &mut track);
    seed.deserialize(wrapped)
        .map_err(|e| format!("field `{}`: {}", track.path(), e.to_string().trim_end()))
}

/// Reads a spec's map: the shared keys by name, the protocol's table as `T`.
struct SpecSeed<'a, T> {
    proto: &'static dyn DynProtocol,
    /// The other protocols' table names, for a precise error when one appears.
    others: &'a [&'a str],
    table: PhantomData<T>,
}

impl<'de, T> DeserializeSeed<'de> for SpecSeed<'_, T>
where
    T: DeserializeOwned + Default + serde::Serialize + fmt::Debug + Send + Sync + 'static,
{
    type Value = Spec;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Spec, D::Error> {
        d.deserialize_map(self)
    }
}

/// Stores a field once; a second occurrence is an error (JSON allows repeated keys).
fn once<T, E: de::Error>(slot: &mut Option<T>, key: &'static str, v: T) -> Result<(), E> {
    if slot.replace(v).is_some() {
        return Err(E::duplicate_field(key));
    }
    Ok(())
}

impl<'de, T> Visitor<'de> for SpecSeed<'_, T>
where
    T: DeserializeOwned + Default + serde::Serialize + fmt::Debug + Send + Sync + 'static,
{
    type Value = Spec;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a scenario table with `protocol = \"{}\"`",
            self.proto.name()
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spec, A::Error> {
        let table = self.proto.name();
        let mut name = None;
        let mut description = None;
        let mut protocol: Option<String> = None;
        let mut expect = None;
        let mut expect_metrics = None;
        let mut seed = None;
        let mut duration = None;
        let mut phases = None;
        let mut max_events = None;
        let mut stop_on_violation = None;
        let mut network = None;
        let mut faults = None;
        let mut random = None;
        let mut swarm = None;
        let mut params: Option<T> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => once(&mut name, "name", map.next_value()?)?,
                "description" => once(&mut description, "description", map.next_value()?)?,
                "protocol" => once(&mut protocol, "protocol", map.next_value()?)?,
                "expect" => once(&mut expect, "expect", map.next_value::<Expect>()?)?,
                "expect_metrics" => once(&mut expect_metrics, "expect_metrics", map.next_value()?)?,
                "seed" => once(&mut seed, "seed", map.next_value::<u64>()?)?,
                "duration" => once(&mut duration, "duration", map.next_value()?)?,
                "phases" => once(&mut phases, "phases", map.next_value()?)?,
                "max_events" => once(&mut max_events, "max_events", map.next_value::<u64>()?)?,
                "stop_on_violation" => once(
                    &mut stop_on_violation,
                    "stop_on_violation",
                    map.next_value::<bool>()?,
                )?,
                "network" => once(&mut network, "network", map.next_value::<NetworkSpec>()?)?,
                "faults" => once(&mut faults, "faults", map.next_value()?)?,
                "random" => once(&mut random, "random", map.next_value()?)?,
                "swarm" => once(&mut swarm, "swarm", map.next_value()?)?,
                k if k == table => {
                    if params.replace(map.next_value::<T>()?).is_some() {
                        return Err(de::Error::custom(format!("duplicate table [{table}]")));
                    }
                }
                k if self.others.contains(&k) => {
                    return Err(de::Error::custom(format!(
                        "table [{k}] does not apply to protocol `{table}`; this scenario's \
                         table is [{table}]"
                    )));
                }
                k => {
                    let mut allowed: Vec<String> =
                        COMMON_FIELDS.iter().map(|f| format!("`{f}`")).collect();
                    allowed.push(format!("`{table}`"));
                    return Err(de::Error::custom(format!(
                        "unknown field `{k}`, expected one of {}",
                        allowed.join(", ")
                    )));
                }
            }
        }
        match protocol {
            Some(p) if p == table => {}
            Some(p) => {
                return Err(de::Error::custom(format!(
                    "protocol `{p}` was read as `{table}`: the spec changed under the parser"
                )));
            }
            None => return Err(de::Error::missing_field("protocol")),
        }
        Ok(Spec {
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            protocol: Proto(self.proto),
            expect: expect.unwrap_or_default(),
            expect_metrics: expect_metrics.unwrap_or_default(),
            seed: seed.unwrap_or_default(),
            duration,
            phases,
            max_events,
            stop_on_violation: stop_on_violation.unwrap_or_default(),
            network: network.unwrap_or_default(),
            faults: faults.unwrap_or_default(),
            random,
            swarm,
            params: Params::new(params.unwrap_or_default()),
        })
    }
}
