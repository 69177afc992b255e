//! The registration every attribute emits: a descriptor static in the link-time slice.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// What goes into one descriptor.
pub struct Descriptor {
    /// Path to the runtime's private module.
    pub private: TokenStream,
    pub name: String,
    pub help: String,
    pub unit: String,
    /// `("k", v)` tuples; values are expressions such as `module_path!()`.
    pub labels: Vec<TokenStream>,
    /// An expression of type `&'static impl Collect`.
    pub source: TokenStream,
}

impl Descriptor {
    /// The descriptor as a value.
    pub fn expand(&self) -> TokenStream {
        let Descriptor {
            private,
            name,
            help,
            unit,
            labels,
            source,
        } = self;
        quote! {
            #private::Descriptor {
                name: #name,
                help: #help,
                unit: #unit,
                labels: &[#(#labels),*],
                file: ::core::file!(),
                line: ::core::line!(),
                source: #source,
            }
        }
    }

    /// The descriptor in a static of its own, registered.
    pub fn register(&self, ident: &Ident) -> TokenStream {
        let private = &self.private;
        let value = self.expand();
        quote! {
            #private::register! {
                #[doc(hidden)]
                static #ident: #private::Descriptor = #value;
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
