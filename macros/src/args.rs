//! The options of the three attributes, parsed into one typed model with spans kept for
//! errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, ExprUnary, Ident, Lit, LitStr, Path, Result, UnOp};

use crate::attrs::Attr;
use crate::names;

/// Parsed options.
#[derive(Default)]
pub struct Args {
    pub name: Option<LitStr>,
    pub help: Option<LitStr>,
    pub unit: Option<(LitStr, String)>,
    /// `labels(key = "text")`: constant, in the descriptor.
    pub labels: Vec<(Ident, LitStr)>,
    /// `labels(key = expr)` of a function attribute: evaluated on each call.
    pub computed: Vec<(Ident, Expr)>,
    pub buckets: Option<Vec<f64>>,
    /// `sharded`: call counters split per thread.
    pub sharded: bool,
    /// `objective = PATH`: the service level objective the function's calls or durations
    /// feed.
    pub objective: Option<Path>,
    pub krate: Option<Path>,
}

impl Args {
    pub fn parse(attr: Attr, tokens: TokenStream) -> Result<Self> {
        let mut args = Args::default();
        let parser = syn::meta::parser(|meta| args.option(attr, &meta));
        parser.parse2(tokens)?;
        Ok(args)
    }

    fn option(&mut self, attr: Attr, meta: &ParseNestedMeta) -> Result<()> {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let options = attr.spec().options;
        if !options.contains(&key.as_str()) {
            return Err(meta.error(format!(
                "unknown option; expected one of: {}",
                options.join(", ")
            )));
        }
        let duplicate = || meta.error(format!("duplicate option `{key}`"));
        match key.as_str() {
            "name" => {
                if self.name.is_some() {
                    return Err(duplicate());
                }
                self.name = Some(name(attr, meta.value()?.parse()?)?);
            }
            "help" => {
                if self.help.is_some() {
                    return Err(duplicate());
                }
                self.help = Some(meta.value()?.parse()?);
            }
            "unit" => {
                if self.unit.is_some() {
                    return Err(duplicate());
                }
                let lit: LitStr = meta.value()?.parse()?;
                let unit = names::check_unit(&lit)?;
                self.unit = Some((lit, unit));
            }
            "labels" => {
                if !self.labels.is_empty() || !self.computed.is_empty() {
                    return Err(duplicate());
                }
                self.labels_option(attr, meta)?;
            }
            "buckets" => {
                if self.buckets.is_some() {
                    return Err(duplicate());
                }
                self.buckets = Some(buckets(&meta.value()?.parse()?)?);
            }
            "sharded" => {
                if self.sharded {
                    return Err(duplicate());
                }
                if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                    return Err(meta.error("`sharded` takes no value"));
                }
                self.sharded = true;
            }
            "objective" => {
                if self.objective.is_some() {
                    return Err(duplicate());
                }
                self.objective = Some(meta.value()?.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`objective` takes the path of a `meterbox::slo::Objective` static, \
                         such as `objective = CHECKOUT`",
                    )
                })?);
            }
            "crate" => {
                if self.krate.is_some() {
                    return Err(duplicate());
                }
                self.krate = Some(meta.value()?.parse()?);
            }
            // Checked against the option list above.
            _ => return Err(meta.error("unknown option")),
        }
        Ok(())
    }

    /// `labels(key = "text", key = expr, …)`.
    fn labels_option(&mut self, attr: Attr, meta: &ParseNestedMeta) -> Result<()> {
        meta.parse_nested_meta(|label| {
            let Some(key) = label.path.get_ident().cloned() else {
                return Err(label.error("expected a label name such as `region`"));
            };
            names::check_label_name(&key.to_string(), key.span(), attr.reserved_labels())?;
            let taken = self.labels.iter().map(|(k, _)| k);
            if taken
                .chain(self.computed.iter().map(|(k, _)| k))
                .any(|k| *k == key)
            {
                return Err(label.error(format!("duplicate label `{key}`")));
            }
            match label.value()?.parse()? {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    attrs,
                }) if attrs.is_empty() => self.labels.push((key, text)),
                expr if attr == Attr::Metric => {
                    return Err(syn::Error::new_spanned(
                        expr,
                        "a static's labels are constant: use a string literal, \
                         or a `Family` for values known at run time",
                    ));
                }
                expr => self.computed.push((key, expr)),
            }
            Ok(())
        })
    }

    /// The path to the runtime's private module.
    pub fn private(&self) -> TokenStream {
        let Some(path) = &self.krate else {
            return quote!(::meterbox::__private);
        };
        quote!(#path::__private)
    }

    /// `("k", "v"), …` for the labels option.
    pub fn label_pairs(&self) -> Vec<TokenStream> {
        self.labels
            .iter()
            .map(|(k, v)| {
                let k = k.to_string();
                quote!((#k, #v))
            })
            .collect()
    }
}

fn number(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse::<f64>().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => number(expr).map(|v| -v),
        _ => None,
    }
}

/// Bucket bounds: number literals, strictly increasing, at most the histogram's capacity.
/// The `name` option: a valid metric name, and no `_total` on what is not a counter.
fn name(attr: Attr, lit: LitStr) -> Result<LitStr> {
    names::check_metric_name(&lit.value(), lit.span())?;
    if let Attr::Function(f) = attr {
        let family = f.family();
        if family.kind != "counter" && lit.value().ends_with("_total") {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "`_total` names a counter; #[{}] exports a {}: use a name such as `{}`",
                    f.spec().name,
                    family.kind,
                    family.example
                ),
            ));
        }
    }
    Ok(lit)
}

/// The `buckets` option: the bounds written out, checked here.
fn buckets(value: &Expr) -> Result<Vec<f64>> {
    let Expr::Array(array) = value else {
        return Err(syn::Error::new_spanned(
            value,
            "`buckets` takes the bounds written out, such as \
             `buckets = [0.001, 0.01, 0.1]`: they are checked when the function \
             compiles, and the value of a constant is not visible to the attribute",
        ));
    };
    bucket_bounds(array)
}

fn bucket_bounds(array: &ExprArray) -> Result<Vec<f64>> {
    const MAX: usize = 40;
    if array.elems.is_empty() {
        return Err(syn::Error::new_spanned(
            array,
            "`buckets` needs at least one bound",
        ));
    }
    if array.elems.len() > MAX {
        return Err(syn::Error::new_spanned(
            array,
            format!("`buckets` takes at most {MAX} bounds"),
        ));
    }
    let mut out: Vec<f64> = Vec::new();
    for elem in &array.elems {
        let Some(v) = number(elem) else {
            return Err(syn::Error::new(
                elem.span(),
                "expected a number literal such as `0.25`",
            ));
        };
        if let Some(&prev) = out.last() {
            if v <= prev {
                return Err(syn::Error::new(
                    elem.span(),
                    format!("bucket bounds must be strictly increasing: {v} follows {prev}"),
                ));
            }
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs::FnAttr;

    fn parse(attr: Attr, tokens: TokenStream) -> Result<Args> {
        Args::parse(attr, tokens)
    }

    #[test]
    fn options_are_read_into_the_model() {
        let args = parse(
            Attr::Function(FnAttr::Timed),
            quote! { name = "work_seconds", labels(shop = "eu", tenant = t.id()), buckets = [0.1, 1.0] },
        )
        .unwrap();
        assert_eq!(args.name.unwrap().value(), "work_seconds");
        assert_eq!(args.labels.len(), 1);
        assert_eq!(args.labels[0].0, "shop");
        assert_eq!(args.computed.len(), 1);
        assert_eq!(args.computed[0].0, "tenant");
        assert_eq!(args.buckets, Some(vec![0.1, 1.0]));
    }

    #[test]
    fn bad_options_say_why() {
        let message = |attr, tokens| parse(attr, tokens).err().unwrap().to_string();
        assert!(message(
            Attr::Function(FnAttr::Timed),
            quote! { name = "work_total" }
        )
        .contains("`_total` names a counter"));
        assert!(
            message(Attr::Function(FnAttr::Timed), quote! { buckets = BOUNDS })
                .contains("written out")
        );
        assert!(message(
            Attr::Function(FnAttr::Timed),
            quote! { buckets = [1.0, 0.5] }
        )
        .contains("increasing"));
        assert!(
            message(Attr::Function(FnAttr::Counted), quote! { buckets = [1.0] })
                .contains("unknown option")
        );
        assert!(message(Attr::Metric, quote! { labels(x = y) }).contains("constant"));
        assert!(message(
            Attr::Function(FnAttr::Counted),
            quote! { name = "a", name = "b" }
        )
        .contains("name"));
    }
}
