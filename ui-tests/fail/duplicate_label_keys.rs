use meterbox::counted;

#[counted(name = "tenant_calls", labels(tenant = "a", tenant = tenant))]
fn handle(tenant: &str) {}

fn main() {
    handle("acme");
}
