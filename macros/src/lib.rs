//! Attribute macros of [meterbox](https://docs.rs/meterbox). Use them through the `meterbox`
//! crate, which re-exports them; generated code reaches the runtime through
//! `::meterbox::__private` (or `crate = path` for a facade).

#![warn(clippy::pedantic)]

mod args;
mod attrs;
mod derive;
mod descriptor;
mod exits;
mod function;
mod instrument;
mod metric;
mod names;
mod wrap;

use proc_macro::TokenStream;

use args::Args;
use attrs::{Attr, FnAttr};
use instrument::Instrument;

/// Registers a `static` metric. See the `meterbox` crate.
#[proc_macro_attribute]
pub fn metric(args: TokenStream, input: TokenStream) -> TokenStream {
    let input2: proc_macro2::TokenStream = input.into();
    match metric::expand(args.into(), input2.clone()) {
        // Compiled out, nothing refers to the static but the user's own code.
        Ok(out) => emit(out, &|| quote::quote!(#[allow(dead_code)] #input2)),
        Err(err) => with_error(err, &input2),
    }
}

/// Counts calls by outcome into `function_calls_total`. See the `meterbox` crate.
#[proc_macro_attribute]
pub fn counted(args: TokenStream, input: TokenStream) -> TokenStream {
    instrument(FnAttr::Counted, args, input)
}

/// Records call durations into `function_duration_seconds`. See the `meterbox` crate.
#[proc_macro_attribute]
pub fn timed(args: TokenStream, input: TokenStream) -> TokenStream {
    instrument(FnAttr::Timed, args, input)
}

/// Keeps `function_calls_in_flight{function, module}` up to date: one more while a call runs,
/// one less when it ends, however it ends. See the `meterbox` crate.
#[proc_macro_attribute]
pub fn in_flight(args: TokenStream, input: TokenStream) -> TokenStream {
    instrument(FnAttr::InFlight, args, input)
}

/// Marks a meter on every call: `function_throughput_total{function, module}` and its
/// 1/5/15-minute and mean rates in `function_throughput_rate{…, window}`. See the
/// `meterbox` crate.
#[proc_macro_attribute]
pub fn metered(args: TokenStream, input: TokenStream) -> TokenStream {
    instrument(FnAttr::Metered, args, input)
}

/// Records the bytes each call allocates into `function_allocated_bytes{function, module}`,
/// per poll for async code. Needs meterbox's `allocations` feature and its counting
/// allocator. See the `meterbox` crate.
#[proc_macro_attribute]
pub fn allocations(args: TokenStream, input: TokenStream) -> TokenStream {
    instrument(FnAttr::Allocations, args, input)
}

/// `#[counted]`, `#[timed]` and `#[in_flight]` in one attribute; takes `labels(…)` and
/// `crate = path`, passed to all three. See the `meterbox` crate.
#[proc_macro_attribute]
pub fn instrumented(args: TokenStream, input: TokenStream) -> TokenStream {
    let args: proc_macro2::TokenStream = args.into();
    let input: proc_macro2::TokenStream = input.into();
    match Args::parse(Attr::Instrumented, args.clone()) {
        Ok(_) => {
            // The objective is the call counter's and the histogram's, not the gauge's.
            let in_flight = without_objective(&args);
            // One expansion: the call counter's, with the timer and the gauge as its
            // companions under one guard (see `InstrumentedGuard`).
            let parse = |attr, args| {
                Args::parse(Attr::Function(attr), args).map(|args| Instrument::new(attr, args))
            };
            let expanded = parse(FnAttr::Counted, args.clone()).and_then(|mut counted| {
                let mut timed = parse(FnAttr::Timed, args)?;
                let mut in_flight = parse(FnAttr::InFlight, in_flight)?;
                (counted.slot, timed.slot, in_flight.slot) = (Some(0), Some(1), Some(2));
                counted.companions = Some(Box::new([timed, in_flight]));
                let item = function::expand(&counted, input.clone())?;
                Ok((item, counted.args.computed))
            });
            let (item, computed) = match expanded {
                Ok(done) => done,
                Err(err) => return with_error(err, &input),
            };
            emit(item, &|| function::keep_label_uses(&input, &computed))
        }
        Err(err) => with_error(err, &input),
    }
}

/// The options less `objective = …`, as parsed already.
fn without_objective(args: &proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let parser = syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
    let Ok(options) = syn::parse::Parser::parse2(parser, args.clone()) else {
        return args.clone();
    };
    let kept = options
        .into_iter()
        .filter(|o| !o.path().is_ident("objective"));
    quote::quote!(#(#kept),*)
}

/// Makes a field-less enum a label value: each variant's text is its name in `snake_case`,
/// or `#[label(rename = "…")]`. See `meterbox::LabelValue`.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    derive(input, derive::label_value, derive::label_value_placeholder)
}

/// Makes a struct of label values a label set keyed by its field names (or
/// `#[label(rename = "…")]`). See `meterbox::LabelSet`.
#[proc_macro_derive(LabelSet, attributes(label))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    derive(input, derive::label_set, derive::label_set_placeholder)
}

fn derive(
    input: TokenStream,
    expand: fn(syn::DeriveInput) -> syn::Result<proc_macro2::TokenStream>,
    fallback: fn(&syn::DeriveInput) -> proc_macro2::TokenStream,
) -> TokenStream {
    let input = match syn::parse::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(err) => return err.into_compile_error().into(),
    };
    match expand(input.clone()) {
        Ok(out) => out.into(),
        // The error, and a placeholder impl so that every use of the type does not add an
        // error of its own about the missing trait: the user sees the one that matters.
        Err(err) => {
            let err = err.into_compile_error();
            let placeholder = fallback(&input);
            quote::quote!(#err #placeholder).into()
        }
    }
}

fn instrument(attr: FnAttr, args: TokenStream, input: TokenStream) -> TokenStream {
    let input: proc_macro2::TokenStream = input.into();
    let result = Args::parse(Attr::Function(attr), args.into()).and_then(|args| {
        let inst = Instrument::new(attr, args);
        let expanded = function::expand(&inst, input.clone())?;
        Ok((expanded, inst))
    });
    match result {
        Ok((out, inst)) => emit(out, &|| {
            function::keep_label_uses(&input, &inst.args.computed)
        }),
        Err(err) => with_error(err, &input),
    }
}

/// What a checked attribute expands to: its expansion, or under the `disabled` feature the
/// item as written (the expansion having been built, every argument is checked either way).
#[cfg(not(feature = "disabled"))]
fn emit(
    expanded: proc_macro2::TokenStream,
    _item: &dyn Fn() -> proc_macro2::TokenStream,
) -> TokenStream {
    expanded.into()
}

#[cfg(feature = "disabled")]
fn emit(
    _expanded: proc_macro2::TokenStream,
    item: &dyn Fn() -> proc_macro2::TokenStream,
) -> TokenStream {
    item().into()
}

/// The error, and the item unchanged so that nothing else fails because of it: the user
/// sees exactly one error.
fn with_error(err: syn::Error, input: &proc_macro2::TokenStream) -> TokenStream {
    let err = err.into_compile_error();
    quote::quote!(#err #input).into()
}
