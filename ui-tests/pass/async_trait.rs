#![deny(warnings)]

#[async_trait::async_trait]
trait Store {
    async fn load(&self, id: u64) -> Result<String, String>;
}

struct Memory;

#[async_trait::async_trait]
impl Store for Memory {
    #[meterbox::counted]
    #[meterbox::timed]
    async fn load(&self, id: u64) -> Result<String, String> {
        if id == 0 {
            return Err("no such id".into());
        }
        Ok(id.to_string())
    }
}

struct Cache;

#[async_trait::async_trait]
#[meterbox::timed]
impl Store for Cache {
    async fn load(&self, id: u64) -> Result<String, String> {
        Ok(format!("cached {id}"))
    }
}

fn main() {
    let _ = Memory.load(1);
    let _ = Cache.load(1);
}
