//! The registration every attribute emits: a descriptor static in the link-time slice.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// What goes into one descriptor.
pub struct Descriptor<'a> {
    /// Path to the runtime's private module.
    pub private: &'a TokenStream,
    /// Name of the descriptor static.
    pub ident: Ident,
    pub name: String,
    pub help: String,
    pub unit: String,
    /// `("k", v)` tuples; values are expressions such as `module_path!()`.
    pub labels: Vec<TokenStream>,
    /// An expression of type `&'static impl Collect`.
    pub source: TokenStream,
}

impl Descriptor<'_> {
    pub fn expand(&self) -> TokenStream {
        let Descriptor {
            private,
            ident,
            name,
            help,
            unit,
            labels,
            source,
        } = self;
        quote! {
            #private::register! {
                #[doc(hidden)]
                static #ident: #private::Descriptor = #private::Descriptor {
                    name: #name,
                    help: #help,
                    unit: #unit,
                    labels: &[#(#labels),*],
                    file: ::core::file!(),
                    line: ::core::line!(),
                    source: #source,
                };
            }
        }
    }
}

/// The HELP text from doc comments: the first paragraph, lines joined by spaces.
pub fn doc_help(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                let line = s.value().trim().to_owned();
                if line.is_empty() && !lines.is_empty() {
                    break;
                }
                if !line.is_empty() {
                    lines.push(line);
                }
            }
        }
    }
    (!lines.is_empty()).then(|| lines.join(" "))
}
