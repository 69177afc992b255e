//! `#[derive(LabelValue)]` on field-less enums and `#[derive(LabelSet)]` on structs of label
//! values: parsed into a model, checked, then expanded to the runtime's traits.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Error, Fields, Ident, LitStr, Path, Result, Type};

use crate::names;

/// The `#[label(…)]` options of a type or of one variant or field.
#[derive(Default)]
struct LabelAttr {
    rename: Option<LitStr>,
    krate: Option<Path>,
}

impl LabelAttr {
    fn parse(attrs: &[Attribute], allow_crate: bool) -> Result<Self> {
        let mut out = LabelAttr::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") && !allow_crate {
                    if out.rename.is_some() {
                        return Err(meta.error("duplicate option `rename`"));
                    }
                    out.rename = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("crate") && allow_crate {
                    if out.krate.is_some() {
                        return Err(meta.error("duplicate option `crate`"));
                    }
                    out.krate = Some(meta.value()?.parse()?);
                } else if allow_crate {
                    return Err(meta.error("unknown option; expected `crate`"));
                } else {
                    return Err(meta.error("unknown option; expected `rename`"));
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    fn krate(&self) -> TokenStream {
        self.krate
            .as_ref()
            .map_or_else(|| quote!(::meterbox), |p| quote!(#p))
    }
}

/// `ClientError` → `client_error`, `HTTPError` → `http_error`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A field-less enum and the label text of each variant.
struct ValueEnum {
    input: DeriveInput,
    krate: TokenStream,
    variants: Vec<(Ident, String)>,
}

impl ValueEnum {
    fn parse(input: DeriveInput) -> Result<Self> {
        let Data::Enum(data) = &input.data else {
            return Err(Error::new(
                input.ident.span(),
                "`LabelValue` derives for enums whose variants have no fields",
            ));
        };
        let krate = LabelAttr::parse(&input.attrs, true)?.krate();
        let mut variants: Vec<(Ident, String)> = Vec::new();
        for variant in &data.variants {
            if !matches!(variant.fields, Fields::Unit) {
                return Err(Error::new(
                    variant.fields.span(),
                    "a label value variant cannot have fields: its text is fixed",
                ));
            }
            let rename = LabelAttr::parse(&variant.attrs, false)?.rename;
            let text = rename
                .as_ref()
                .map_or_else(|| snake_case(&variant.ident.to_string()), LitStr::value);
            if let Some((other, _)) = variants.iter().find(|(_, t)| *t == text) {
                let span = rename.as_ref().map_or(variant.ident.span(), LitStr::span);
                return Err(Error::new(
                    span,
                    format!("label value \"{text}\" is already used by `{other}`"),
                ));
            }
            variants.push((variant.ident.clone(), text));
        }
        Ok(ValueEnum {
            input,
            krate,
            variants,
        })
    }

    fn expand(&self) -> TokenStream {
        let ValueEnum {
            input,
            krate,
            variants,
        } = self;
        let name = &input.ident;
        let (impl_g, ty_g, where_clause) = input.generics.split_for_impl();
        let count = variants.len();
        let idents: Vec<&Ident> = variants.iter().map(|(i, _)| i).collect();
        let texts: Vec<&String> = variants.iter().map(|(_, t)| t).collect();
        let indices = 0..count;
        quote! {
            impl #impl_g #krate::LabelValue for #name #ty_g #where_clause {
                const CARDINALITY: ::core::option::Option<usize> =
                    ::core::option::Option::Some(#count);

                #[inline]
                fn index(&self) -> usize {
                    match *self { #(Self::#idents => #indices,)* }
                }

                fn value_at(index: usize) -> &'static str {
                    const VALUES: [&str; #count] = [#(#texts),*];
                    match VALUES.get(index) {
                        ::core::option::Option::Some(text) => text,
                        ::core::option::Option::None => "",
                    }
                }

                #[inline]
                fn as_label(&self) -> #krate::Label<'_> {
                    #krate::Label::text(match *self { #(Self::#idents => #texts,)* })
                }
            }
        }
    }
}

/// A struct with named fields, each a label.
struct LabelStruct {
    input: DeriveInput,
    krate: TokenStream,
    fields: Vec<(Ident, String, Type)>,
}

impl LabelStruct {
    fn parse(input: DeriveInput) -> Result<Self> {
        let Data::Struct(data) = &input.data else {
            return Err(Error::new(
                input.ident.span(),
                "`LabelSet` derives for structs with named fields",
            ));
        };
        let Fields::Named(named) = &data.fields else {
            return Err(Error::new(
                data.fields.span(),
                "`LabelSet` needs named fields: their names are the label names",
            ));
        };
        let krate = LabelAttr::parse(&input.attrs, true)?.krate();
        let mut fields: Vec<(Ident, String, Type)> = Vec::new();
        for field in &named.named {
            let Some(ident) = field.ident.clone() else {
                continue;
            };
            let rename = LabelAttr::parse(&field.attrs, false)?.rename;
            let (label, span) = if let Some(lit) = &rename {
                (lit.value(), lit.span())
            } else {
                let text = ident.to_string();
                (text.trim_start_matches("r#").to_owned(), ident.span())
            };
            names::check_label_name(&label, span, &[])?;
            if fields.iter().any(|(_, l, _)| *l == label) {
                return Err(Error::new(span, format!("duplicate label `{label}`")));
            }
            fields.push((ident, label, field.ty.clone()));
        }
        Ok(LabelStruct {
            input,
            krate,
            fields,
        })
    }

    fn expand(&self) -> TokenStream {
        let LabelStruct {
            input,
            krate,
            fields,
        } = self;
        let name = &input.ident;
        let (impl_g, ty_g, where_clause) = input.generics.split_for_impl();
        let idents: Vec<&Ident> = fields.iter().map(|(i, _, _)| i).collect();
        let labels: Vec<&String> = fields.iter().map(|(_, l, _)| l).collect();
        let types: Vec<&Type> = fields.iter().map(|(_, _, t)| t).collect();
        let radix: Vec<TokenStream> = types
            .iter()
            .map(|ty| quote!(#krate::__private::radix(<#ty as #krate::LabelValue>::CARDINALITY)))
            .collect();
        let value_vars: Vec<Ident> = (0..fields.len())
            .map(|i| Ident::new(&format!("__meterbox_v{i}"), Span::mixed_site()))
            .collect();
        let rev_vars = value_vars.iter().rev();
        let rev_types = types.iter().rev();
        let rev_radix: Vec<&TokenStream> = radix.iter().rev().collect();
        quote! {
            impl #impl_g #krate::LabelSet for #name #ty_g #where_clause {
                const NAMES: &'static [&'static str] = &[#(#labels),*];

                const CARDINALITY: ::core::option::Option<usize> =
                    #krate::__private::cardinality_product(
                        &[#(<#types as #krate::LabelValue>::CARDINALITY),*]
                    );

                #[inline]
                fn index(&self) -> usize {
                    let mut index = 0usize;
                    #(
                        index = index * #radix
                            + <#types as #krate::LabelValue>::index(&self.#idents);
                    )*
                    index
                }

                fn values_at(
                    index: usize,
                    out: &mut ::std::vec::Vec<&'static str>,
                ) {
                    let mut rest = index;
                    #(
                        let #rev_vars = <#rev_types as #krate::LabelValue>::value_at(rest % #rev_radix);
                        rest /= #rev_radix;
                    )*
                    let _ = rest;
                    out.extend_from_slice(&[#(#value_vars),*]);
                }

                fn with_values<R>(&self, f: impl ::core::ops::FnOnce(&[&str]) -> R) -> R {
                    #(
                        let #value_vars = #krate::LabelValue::as_label(&self.#idents);
                    )*
                    f(&[#(#value_vars.as_str()),*])
                }
            }
        }
    }
}

pub fn label_value(input: DeriveInput) -> Result<TokenStream> {
    Ok(ValueEnum::parse(input)?.expand())
}

pub fn label_set(input: DeriveInput) -> Result<TokenStream> {
    Ok(LabelStruct::parse(input)?.expand())
}

/// Where the runtime is for a derive that failed, as far as its `#[label(crate = …)]` says.
fn placeholder_crate(input: &DeriveInput) -> TokenStream {
    LabelAttr::parse(&input.attrs, true).map_or_else(|_| quote!(::meterbox), |attr| attr.krate())
}

/// `LabelValue` for a type whose derive failed, so that its uses raise no second error.
pub fn label_value_placeholder(input: &DeriveInput) -> TokenStream {
    let krate = placeholder_crate(input);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics #krate::LabelValue for #ident #ty_generics #where_clause {
            fn as_label(&self) -> #krate::Label<'_> {
                ::core::unreachable!()
            }
        }
    }
}

/// `LabelSet` for a type whose derive failed, so that its uses raise no second error.
pub fn label_set_placeholder(input: &DeriveInput) -> TokenStream {
    let krate = placeholder_crate(input);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        impl #impl_generics #krate::LabelSet for #ident #ty_generics #where_clause {
            const NAMES: &'static [&'static str] = &[];
            const CARDINALITY: ::core::option::Option<usize> = ::core::option::Option::None;
            fn index(&self) -> usize {
                ::core::unreachable!()
            }
            fn values_at(_: usize, _: &mut ::std::vec::Vec<&'static str>) {
                ::core::unreachable!()
            }
            fn with_values<R>(&self, _: impl ::core::ops::FnOnce(&[&str]) -> R) -> R {
                ::core::unreachable!()
            }
        }
    }
}
