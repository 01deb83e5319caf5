//! The grid of `compare --vary`: each `--vary` is an axis, the grid their product. An axis
//! may move several parameters together (`a+b=1+2,3+4`: two grid points, a=1 b=2 and a=3
//! b=4), for parameters that only make sense in pairs, such as an election timeout's
//! minimum and maximum with a heartbeat below the minimum.

/// One `--vary`: the parameters it sets and, per grid value, one value for each.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Parameter paths (one, or several moved together).
    pub keys: Vec<String>,
    /// Per value of the axis, one value per key, in `keys` order.
    pub values: Vec<Vec<String>>,
}

impl Axis {
    /// The axis's name: its keys joined by ` / `.
    pub fn name(&self) -> String {
        self.keys.join(" / ")
    }
}

/// Parses `--vary` arguments: `path=v1,v2,...` or `p1+p2=v1+w1,v2+w2,...`.
pub fn axes(vary: &[String]) -> Result<Vec<Axis>, String> {
    vary.iter().map(|v| axis(v)).collect()
}

fn axis(v: &str) -> Result<Axis, String> {
    let (k, vals) = v.split_once('=').ok_or_else(|| {
        format!(
            "--vary `{v}`: expected path=v1,v2,..., e.g. lb.policy=random,jsq \
             (or p1+p2=a1+b1,a2+b2 to move two parameters together)"
        )
    })?;
    let keys: Vec<String> = k.split('+').map(|x| x.trim().to_string()).collect();
    if keys.iter().any(String::is_empty) {
        return Err(format!("--vary `{v}`: an empty parameter path before `=`"));
    }
    let vals: Vec<&str> = vals
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .collect();
    if vals.is_empty() {
        return Err(format!("--vary `{v}`: give at least one value"));
    }
    let mut values = Vec::new();
    for x in vals {
        let parts: Vec<String> = if keys.len() == 1 {
            vec![x.to_string()]
        } else {
            x.split('+').map(|p| p.trim().to_string()).collect()
        };
        if parts.len() != keys.len() || parts.iter().any(String::is_empty) {
            return Err(format!(
                "--vary `{v}`: value `{x}` must give {} values joined by `+`, one for each of {}",
                keys.len(),
                keys.join(", ")
            ));
        }
        values.push(parts);
    }
    Ok(Axis { keys, values })
}

/// Every parameter path the axes set, in order.
pub fn names(vary: &[String]) -> Vec<String> {
    axes(vary)
        .map(|a| a.into_iter().flat_map(|a| a.keys).collect())
        .unwrap_or_default()
}

/// The grid points: every combination of one value per axis, first axis slowest, each
/// point the `(path, value)` pairs it sets.
pub fn grid(axes: &[Axis]) -> Vec<Vec<(String, String)>> {
    let mut points: Vec<Vec<(String, String)>> = vec![vec![]];
    for a in axes {
        let mut next = Vec::new();
        for p in &points {
            for vals in &a.values {
                let mut q = p.clone();
                q.extend(a.keys.iter().cloned().zip(vals.iter().cloned()));
                next.push(q);
            }
        }
        points = next;
    }
    points
}

/// A grid point's short label: per axis its values (joined by ` / ` for a multi-parameter
/// axis), axes separated by `, `.
pub fn label(axes: &[Axis], point: &[(String, String)]) -> String {
    let value = |k: &String| {
        point
            .iter()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("?")
    };
    axes.iter()
        .map(|a| a.keys.iter().map(value).collect::<Vec<_>>().join(" / "))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn one_parameter_axes_give_their_product() {
        let a = axes(&s(&["x=1,2", "y=a,b,c"])).unwrap();
        let g = grid(&a);
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[4],
            vec![("x".into(), "2".into()), ("y".into(), "b".into())]
        );
        assert_eq!(label(&a, &g[4]), "2, b");
        assert_eq!(names(&s(&["x=1,2", "y=a"])), s(&["x", "y"]));
    }

    #[test]
    fn a_paired_axis_moves_its_parameters_together() {
        let a = axes(&s(&["lo+hi=12ms+24ms, 25ms+50ms"])).unwrap();
        let g = grid(&a);
        assert_eq!(
            g,
            vec![
                vec![("lo".into(), "12ms".into()), ("hi".into(), "24ms".into())],
                vec![("lo".into(), "25ms".into()), ("hi".into(), "50ms".into())],
            ]
        );
        assert_eq!(label(&a, &g[1]), "25ms / 50ms");
        assert_eq!(a[0].name(), "lo / hi");
        assert_eq!(names(&s(&["lo+hi=1+2"])), s(&["lo", "hi"]));
    }

    #[test]
    fn malformed_axes_name_what_is_wrong() {
        let e = axes(&s(&["lo+hi=1+2,3"])).unwrap_err();
        assert!(
            e.contains("`3` must give 2 values") && e.contains("lo, hi"),
            "{e}"
        );
        assert!(axes(&s(&["x"])).unwrap_err().contains("expected path="));
        assert!(
            axes(&s(&["x="]))
                .unwrap_err()
                .contains("at least one value")
        );
        assert!(
            axes(&s(&["+x=1+2"]))
                .unwrap_err()
                .contains("empty parameter")
        );
    }
}
