//! `#[metric]` on a `static`: the static stays as written, and a descriptor pointing at it
//! joins the registry.
//!
//! Input:
//! ```ignore
//! /// Orders accepted.
//! #[metric(labels(shop = "eu"))]
//! static ORDERS_TOTAL: Counter = Counter::new();
//! ```
//! Output:
//! ```ignore
//! /// Orders accepted.
//! static ORDERS_TOTAL: Counter = Counter::new();
//! register! { static __METERBOX_ORDERS_TOTAL: Descriptor = Descriptor {
//!     name: "orders_total", help: "Orders accepted.", labels: &[("shop", "eu")],
//!     source: &ORDERS_TOTAL, … }; }
//! ```

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, Item, Result};

use crate::args::{Args, Attr};
use crate::descriptor::{doc_help, Descriptor};
use crate::names;

pub fn expand(args: TokenStream, input: TokenStream) -> Result<TokenStream> {
    let item: Item = syn::parse2(input)?;
    let Item::Static(item) = item else {
        return Err(Error::new(
            crate::function::keyword_span(&item),
            "#[metric] applies to a `static`, such as `static ORDERS_TOTAL: Counter = Counter::new();`",
        ));
    };
    let args = Args::parse(Attr::Metric, args)?;
    if let syn::StaticMutability::Mut(m) = &item.mutability {
        return Err(Error::new(
            m.span(),
            "a metric cannot be a `static mut`; metrics are updated through `&self`",
        ));
    }
    let ident = &item.ident;
    let name = if let Some(lit) = &args.name {
        lit.value()
    } else {
        let name = ident.to_string().trim_start_matches("r#").to_lowercase();
        names::check_metric_name(&name, ident.span())?;
        name
    };
    let unit = args
        .unit
        .as_ref()
        .map(|(_, u)| u.clone())
        .unwrap_or_default();
    let name = names::with_unit(&name, &unit);
    let help = args
        .help
        .as_ref()
        .map(syn::LitStr::value)
        .or_else(|| doc_help(&item.attrs))
        .unwrap_or_else(|| name.replace('_', " "));
    let private = args.private();
    // Spanned on the type, so a static of a type that is not a metric is reported there.
    let source = quote_spanned!(item.ty.span()=> &#ident);
    let descriptor = Descriptor {
        private: &private,
        ident: format_ident!("__METERBOX_{}", ident.to_string().trim_start_matches("r#")),
        name,
        help,
        unit,
        labels: args.label_pairs(),
        source,
    }
    .expand();
    Ok(quote! {
        #item
        #descriptor
    })
}
