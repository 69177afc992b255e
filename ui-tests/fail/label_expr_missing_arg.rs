use meterbox::counted;

#[counted(name = "tenant_calls", labels(tenant = tenat.to_string()))]
fn handle(tenant: &str) -> usize {
    tenant.len()
}

fn main() {
    handle("acme");
}
