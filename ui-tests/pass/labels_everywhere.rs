//! Computed labels on methods of an impl block and on generic functions, and derived label
//! sets with lifetimes: no warning.
#![deny(warnings)]

use meterbox::{counted, metric, timed, Counter, LabelSet, LabelValue, TypedFamily};

#[derive(LabelValue, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tier {
    Gold,
    #[label(rename = "SILVER")]
    Silver,
}

#[derive(LabelSet)]
pub struct Access<'a> {
    pub user: &'a str,
    pub tier: Tier,
    pub r#type: bool,
}

/// Accesses by user, tier and type.
#[metric]
static ACCESSES_TOTAL: TypedFamily<Counter, Access<'static>> = TypedFamily::new();

pub struct Repo {
    name: String,
    tier: Tier,
}

#[timed(name = "repo_op", labels(repo = self.name.as_str(), tier = self.tier))]
impl Repo {
    pub fn get(&self, id: u64) -> Option<u64> {
        Some(id)
    }

    pub fn rename(&mut self, name: &str) {
        self.name = name.to_owned();
    }
}

#[counted(name = "generic_calls", labels(size = core::mem::size_of::<T>()))]
pub fn generic<T: Default>() -> T {
    T::default()
}

fn main() {
    let mut repo = Repo {
        name: "main".into(),
        tier: Tier::Gold,
    };
    assert_eq!(repo.get(1), Some(1));
    repo.rename("next");
    let _: u64 = generic();
    ACCESSES_TOTAL
        .with(&Access {
            user: "ann",
            tier: Tier::Silver,
            r#type: true,
        })
        .inc();
    assert_eq!(Tier::Silver.as_label().as_str(), "SILVER");
}
