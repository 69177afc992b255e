//! What the function attributes accept: a function or method (parsed down to its signature,
//! with the body kept as raw tokens so that a half-typed body gets rustc's own error), or an
//! impl block, whose methods are each instrumented as `Type::method`.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Error, ImplItem, Item, ItemImpl, Result, Signature, Token, Type, Visibility};

use crate::attrs::Attr;
use crate::instrument::Instrument;
use crate::wrap;

/// A function with its body as an unparsed brace group.
pub struct FnItem {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub defaultness: Option<Token![default]>,
    pub sig: Signature,
    pub body: Option<Group>,
}

impl Parse for FnItem {
    fn parse(input: ParseStream) -> Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let defaultness = input.parse()?;
        let sig = input.parse()?;
        let body = if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            None
        } else {
            match input.parse::<TokenTree>()? {
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => Some(g),
                other => return Err(Error::new(other.span(), "expected a function body")),
            }
        };
        Ok(FnItem {
            attrs,
            vis,
            defaultness,
            sig,
            body,
        })
    }
}

/// The token that names what kind of item this is, to point errors at.
pub fn keyword_span(item: &Item) -> Span {
    match item {
        Item::Struct(i) => i.struct_token.span,
        Item::Enum(i) => i.enum_token.span,
        Item::Union(i) => i.union_token.span,
        Item::Trait(i) => i.trait_token.span,
        Item::Const(i) => i.const_token.span,
        Item::Static(i) => i.static_token.span,
        Item::Fn(i) => i.sig.fn_token.span,
        Item::Type(i) => i.type_token.span,
        Item::Mod(i) => i.mod_token.span,
        Item::Use(i) => i.use_token.span,
        Item::Impl(i) => i.impl_token.span,
        other => other.span(),
    }
}

/// Expands `#[counted]` or `#[timed]` on whatever it was put on.
pub fn expand(inst: &Instrument, input: TokenStream) -> Result<TokenStream> {
    if let Ok(item) = syn::parse2::<FnItem>(input.clone()) {
        let label = item.sig.ident.unraw();
        return expand_fn(inst, item, &label, false);
    }
    match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Impl(block)) => expand_impl(inst, block),
        Ok(item) => Err(Error::new(
            keyword_span(&item),
            format!(
                "#[{}] applies to functions, methods and impl blocks",
                inst.attr_name()
            ),
        )),
        // Not parseable at all: hand it back untouched and let rustc report the syntax error.
        Err(_) => Ok(input),
    }
}

/// An error on the first of `attrs` that records what `#[attr]` (written above it, or on
/// the impl block when `on_impl`) records already: the function would count twice.
pub fn check_repeats(attr: Attr, attrs: &[Attribute], on_impl: bool) -> Result<()> {
    for other in attrs {
        let Some(last) = other.path().segments.last() else {
            continue;
        };
        let name = last.ident.to_string();
        let theirs = Attr::named(&name).map_or(&[][..], |a| a.spec().records);
        if let Some(what) = attr.spec().records.iter().find(|w| theirs.contains(w)) {
            let where_ = if on_impl {
                "on the impl block"
            } else {
                "above it"
            };
            return Err(Error::new_spanned(
                other,
                format!(
                    "#[{name}] is redundant: #[{}] {where_} already records this \
                     function's {what}, which would be recorded twice; remove one of them",
                    attr.spec().name
                ),
            ));
        }
    }
    Ok(())
}

fn expand_fn(inst: &Instrument, item: FnItem, label: &str, on_impl: bool) -> Result<TokenStream> {
    // Under `#[instrumented]`, what any of its three attributes records is recorded.
    let attr = if inst.companions.is_some() {
        Attr::Instrumented
    } else {
        Attr::Function(inst.attr)
    };
    check_repeats(attr, &item.attrs, on_impl)?;
    if let Some(constness) = &item.sig.constness {
        return Err(Error::new(
            constness.span,
            format!(
                "#[{}] cannot instrument a `const fn`: metrics are updated at run time",
                inst.attr_name()
            ),
        ));
    }
    let Some(body) = item.body else {
        return Err(Error::new(
            item.sig.ident.span(),
            format!(
                "#[{}] needs a function body. In a trait, put it on the implementations of \
                 this method, or give the method a default body; a function declared in an \
                 `extern` block is defined elsewhere, so instrument a Rust function that \
                 calls it",
                inst.attr_name()
            ),
        ));
    };
    let FnItem {
        attrs,
        vis,
        defaultness,
        sig,
        ..
    } = item;
    let body = wrap::body(inst, &attrs, &sig, label, &body);
    Ok(quote! {
        #(#attrs)* #vis #defaultness #sig #body
    })
}

fn expand_impl(inst: &Instrument, mut block: ItemImpl) -> Result<TokenStream> {
    let ty = type_label(&block.self_ty);
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        // A const method cannot be instrumented; on a whole impl block it is left as it is.
        if method.sig.constness.is_some() {
            continue;
        }
        let label = format!("{ty}::{}", method.sig.ident.unraw());
        let mut braces = Group::new(
            Delimiter::Brace,
            method
                .block
                .stmts
                .iter()
                .map(ToTokens::to_token_stream)
                .collect(),
        );
        braces.set_span(method.block.brace_token.span.join());
        let fn_item = FnItem {
            attrs: std::mem::take(&mut method.attrs),
            vis: method.vis.clone(),
            defaultness: method.defaultness,
            sig: method.sig.clone(),
            body: Some(braces),
        };
        let expanded = expand_fn(inst, fn_item, &label, true)?;
        *item = ImplItem::Verbatim(expanded);
    }
    Ok(block.into_token_stream())
}

/// `Repo` for `Repo<T>` or `crate::db::Repo`; the written form for anything else.
fn type_label(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.unraw())
            .unwrap_or_default(),
        Type::Reference(r) => type_label(&r.elem),
        Type::Group(g) => type_label(&g.elem),
        Type::Paren(p) => type_label(&p.elem),
        other => other.to_token_stream().to_string().replace(' ', ""),
    }
}

trait Unraw {
    fn unraw(&self) -> String;
}

impl Unraw for syn::Ident {
    fn unraw(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
    }
}

/// The item as written, for builds with instrumentation compiled out, except that each body
/// first names its computed label expressions in a closure that is never called: an argument
/// used only in a label is then still used, and the expressions are still type-checked, at
/// no cost.
pub fn keep_label_uses(input: &TokenStream, computed: &[(syn::Ident, syn::Expr)]) -> TokenStream {
    if computed.is_empty() {
        return input.clone();
    }
    let exprs: Vec<&syn::Expr> = computed.iter().map(|(_, e)| e).collect();
    let uses = quote! { let _ = || { let _ = (#(&(#exprs),)*); }; };
    if let Ok(mut item) = syn::parse2::<FnItem>(input.clone()) {
        if let Some(body) = &item.body {
            item.body = Some(with_leading(body, &uses));
        }
        let FnItem {
            attrs,
            vis,
            defaultness,
            sig,
            body,
        } = item;
        return quote! { #(#attrs)* #vis #defaultness #sig #body };
    }
    input.clone()
}

/// `body` with `stmt` first, after any inner attributes.
fn with_leading(body: &Group, stmt: &TokenStream) -> Group {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    // `#![…]` is three tokens: `#`, `!`, and the bracketed group.
    let mut split = 0;
    while matches!(tokens.get(split), Some(TokenTree::Punct(p)) if p.as_char() == '#')
        && matches!(tokens.get(split + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!')
    {
        split += 3;
    }
    let split = split.min(tokens.len());
    let mut stream: TokenStream = tokens[..split].iter().cloned().collect();
    stream.extend(stmt.clone());
    stream.extend(tokens[split..].iter().cloned());
    let mut group = Group::new(Delimiter::Brace, stream);
    group.set_span(body.span());
    group
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs::FnAttr;

    fn attrs(tokens: TokenStream) -> Vec<Attribute> {
        syn::parse2::<FnItem>(tokens).expect("a function").attrs
    }

    #[test]
    fn an_attribute_that_records_the_same_is_refused() {
        let twice = attrs(quote! { #[counted] fn f() {} });
        let err = check_repeats(Attr::Function(FnAttr::Counted), &twice, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("#[counted] is redundant"), "{err}");
        let under = attrs(quote! { #[meterbox::timed] fn f() {} });
        let err = check_repeats(Attr::Instrumented, &under, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("durations"), "{err}");
        let impl_level = attrs(quote! { #[in_flight] fn f() {} });
        assert!(check_repeats(Attr::Instrumented, &impl_level, true)
            .unwrap_err()
            .to_string()
            .contains("on the impl block"));
        // Attributes that record other things stack.
        let stacked = attrs(quote! { #[timed] #[in_flight] #[inline] fn f() {} });
        assert!(check_repeats(Attr::Function(FnAttr::Counted), &stacked, false).is_ok());
    }

    #[test]
    fn label_uses_go_first_after_inner_attributes() {
        let body: Group = syn::parse2(quote! { { #![allow(unused)] work() } }).expect("a body");
        let with = with_leading(&body, &quote! { let _ = 1; });
        let text = with.stream().to_string();
        let attr = text.find("allow").expect("the inner attribute is kept");
        let stmt = text.find("let _").expect("the statement is added");
        let work = text.find("work").expect("the body is kept");
        assert!(attr < stmt && stmt < work, "{text}");
    }

    #[test]
    fn types_are_labelled_by_their_last_segment() {
        let ty = |tokens: TokenStream| type_label(&syn::parse2(tokens).expect("a type"));
        assert_eq!(ty(quote! { crate::db::Repo<T> }), "Repo");
        assert_eq!(ty(quote! { &'a mut Repo }), "Repo");
        assert_eq!(ty(quote! { [u8; 4] }), "[u8;4]");
    }
}
