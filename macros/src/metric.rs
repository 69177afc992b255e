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

use crate::args::Args;
use crate::attrs::{Attr, FnAttr};
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
    check_label_overlap(&args, &item)?;
    let ident = &item.ident;
    let name = if let Some(lit) = &args.name {
        lit.value()
    } else {
        let name = ident.to_string().trim_start_matches("r#").to_lowercase();
        names::check_metric_name(&name, ident.span())?;
        name
    };
    if name.ends_with("_total")
        && (type_mentions(&item.ty, "Histogram") || type_mentions(&item.ty, "Summary"))
    {
        let span = args.name.as_ref().map_or(ident.span(), syn::LitStr::span);
        return Err(Error::new(
            span,
            format!("`{name}`: `_total` names a counter, and this static is not one"),
        ));
    }
    let unit = args
        .unit
        .as_ref()
        .map(|(_, u)| u.clone())
        .unwrap_or_default();
    let name = names::with_unit(&name, &unit);
    let span = args.name.as_ref().map_or(ident.span(), syn::LitStr::span);
    check_reserved_name(&name, &item.ty, span)?;
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
        private,
        name,
        help,
        unit,
        labels: args.label_pairs(),
        source,
    }
    .register(&format_ident!(
        "__METERBOX_{}",
        ident.to_string().trim_start_matches("r#")
    ));
    Ok(quote! {
        #item
        #descriptor
    })
}

/// A constant label that the static's own series also carry would put one name twice on a
/// line: refused on the constant label. The static's labels are in its tokens: the names a
/// family is built with (`Family::new(["method"])`, `with_prototype`, in any method chain),
/// and `window` on a meter's rates.
fn check_label_overlap(args: &Args, item: &syn::ItemStatic) -> Result<()> {
    let mut own: Vec<(String, &'static str)> = family_label_names(&item.expr)
        .into_iter()
        .map(|name| (name, "one of the family's label names"))
        .collect();
    if type_mentions(&item.ty, "Meter") {
        own.push(("window".to_owned(), "the label of a meter's rates"));
    }
    for (key, _) in &args.labels {
        let key_text = key.to_string();
        if let Some((_, whose)) = own.iter().find(|(name, _)| *name == key_text) {
            return Err(Error::new(
                key.span(),
                format!(
                    "the constant label `{key_text}` is also {whose}: \
                     a series would carry it twice; rename one of them"
                ),
            ));
        }
    }
    Ok(())
}

/// String literals of the array given to `Family::new` / `Family::with_prototype` (or any
/// other constructor taking the label names first), looking through method chains.
fn family_label_names(expr: &syn::Expr) -> Vec<String> {
    match expr {
        syn::Expr::MethodCall(call) => family_label_names(&call.receiver),
        syn::Expr::Paren(p) => family_label_names(&p.expr),
        syn::Expr::Call(call) => match call.args.first() {
            Some(syn::Expr::Array(array)) => array
                .elems
                .iter()
                .filter_map(|e| match e {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Whether `ident` appears as a path segment anywhere in `ty` (`Meter`, `Family<Meter, 1>`).
fn type_mentions(ty: &syn::Type, ident: &str) -> bool {
    fn tokens_mention(tokens: TokenStream, ident: &str) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == ident,
            proc_macro2::TokenTree::Group(g) => tokens_mention(g.stream(), ident),
            _ => false,
        })
    }
    tokens_mention(quote!(#ty), ident)
}

/// The type a static's tokens name, as the exposition formats call it; `None` for a type the
/// attribute cannot read (a user's own `Collect`).
fn kind_of(ty: &syn::Type) -> Option<&'static str> {
    // Checked most specific first: `CallbackGauge` mentions no `Gauge` token, but a family of
    // histograms mentions `Family` and `Histogram`.
    [
        ("Histogram", "histogram"),
        ("Summary", "summary"),
        ("CallbackGauge", "gauge"),
        ("Gauge", "gauge"),
        ("ShardedCounter", "counter"),
        ("Counter", "counter"),
        ("Meter", "counter"),
    ]
    .into_iter()
    .find(|(token, _)| type_mentions(ty, token))
    .map(|(_, kind)| kind)
}

/// Names the instrumented functions' families and the runtime itself use, with their types:
/// a static of another type under one of them is known to conflict already.
fn check_reserved_name(name: &str, ty: &syn::Type, span: proc_macro2::Span) -> Result<()> {
    if name.starts_with("meterbox_") {
        return Err(Error::new(
            span,
            format!("`{name}`: names starting with `meterbox_` are the runtime's own metrics"),
        ));
    }
    let Some(kind) = kind_of(ty) else {
        return Ok(());
    };
    let base = |name: &'static str| name.strip_suffix("_total").unwrap_or(name);
    let built_in = FnAttr::ALL.into_iter().flat_map(|f| {
        let family = f.family();
        let attr = f.spec().name;
        std::iter::once((family.name, family.kind, attr))
            .chain(family.companion.map(|(name, kind)| (name, kind, attr)))
    });
    for (built_in, its_kind, attr) in built_in {
        if name.strip_suffix("_total").unwrap_or(name) == base(built_in) && kind != its_kind {
            return Err(Error::new(
                span,
                format!(
                    "`{name}` is the {its_kind} that #[{attr}] records into; a {kind} cannot \
                     share its name: choose another"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(tokens: TokenStream) -> syn::Expr {
        syn::parse2(tokens).expect("an expression")
    }

    fn ty(tokens: TokenStream) -> syn::Type {
        syn::parse2(tokens).expect("a type")
    }

    #[test]
    fn family_label_names_are_read_through_method_chains() {
        assert_eq!(
            family_label_names(&expr(quote! { Family::new(["method", "status"]) })),
            ["method", "status"]
        );
        assert_eq!(
            family_label_names(&expr(
                quote! { Family::with_prototype(["route"], Histogram::new(&[1.0])).with_limit(5) }
            )),
            ["route"]
        );
        // A constant's value is not in the tokens.
        assert!(family_label_names(&expr(quote! { Family::new(NAMES) })).is_empty());
        assert!(family_label_names(&expr(quote! { Counter::new() })).is_empty());
    }

    #[test]
    fn types_are_read_from_their_tokens() {
        assert_eq!(kind_of(&ty(quote! { Counter })), Some("counter"));
        assert_eq!(
            kind_of(&ty(quote! { meterbox::ShardedCounter })),
            Some("counter")
        );
        assert_eq!(
            kind_of(&ty(quote! { Family<Histogram, 1> })),
            Some("histogram")
        );
        assert_eq!(kind_of(&ty(quote! { CallbackGauge })), Some("gauge"));
        assert_eq!(kind_of(&ty(quote! { MyOwn })), None);
        assert!(type_mentions(&ty(quote! { Family<Meter, 2> }), "Meter"));
        assert!(!type_mentions(&ty(quote! { Metered }), "Meter"));
    }

    #[test]
    fn built_in_names_keep_their_types() {
        let span = proc_macro2::Span::call_site();
        assert!(check_reserved_name("function_calls_total", &ty(quote! { Gauge }), span).is_err());
        assert!(check_reserved_name("function_calls_total", &ty(quote! { Counter }), span).is_ok());
        assert!(
            check_reserved_name("function_duration_seconds", &ty(quote! { Counter }), span)
                .is_err()
        );
        assert!(check_reserved_name("meterbox_things", &ty(quote! { Counter }), span).is_err());
        assert!(check_reserved_name("orders_total", &ty(quote! { MyOwn }), span).is_ok());
    }
}
