//! One function attribute resolved into what its expansion needs: the family it records
//! into, the storage static and its registration, the family child a call picks, and the
//! guard a call starts with.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::Ident;

use crate::args::Args;
use crate::attrs::FnAttr;
use crate::descriptor::Descriptor;
use crate::names;

/// How a call can end, as far as its expansion can tell: which `result` series its call
/// counter exposes.
#[derive(Clone, Copy)]
pub enum Outcomes {
    /// An async call, or one returning a future: it can also be cancelled.
    All,
    /// A sync call: it returns (`ok` or `error`) or unwinds.
    NotCancelled,
    /// A call measured by a guard alone, which sees no value: `ok` or `panic`.
    OkOrPanic,
}

/// One function attribute, resolved: which family it feeds and how.
pub struct Instrument {
    pub attr: FnAttr,
    pub args: Args,
    pub name: String,
    pub help: String,
    pub unit: String,
    /// Under `#[instrumented]`, the call counter's companions: its timer and its in-flight
    /// gauge, which share its guard.
    pub companions: Option<Box<[Instrument; 2]>>,
    /// Under `#[instrumented]`, this metric's place in the one static of all three (the
    /// call counter's 0, its companions' 1 and 2).
    pub slot: Option<usize>,
}

/// The one static of `#[instrumented]`'s three metrics, and the one of their descriptors:
/// two items where there would be six, which for thousands of functions is build time.
const SHARED_STORAGE: &str = "__METERBOX_INSTRUMENTED";
const SHARED_DESCRIPTORS: &str = "__METERBOX_DESCRIPTORS";

impl Instrument {
    pub fn new(attr: FnAttr, args: Args) -> Self {
        let family = attr.family();
        let name = args
            .name
            .as_ref()
            .map_or_else(|| family.name.to_owned(), syn::LitStr::value);
        let name = if family.kind == "counter" {
            names::counter_name(&name)
        } else {
            names::with_unit(&name, family.unit)
        };
        let help = args
            .help
            .as_ref()
            .map_or_else(|| family.help.to_owned(), syn::LitStr::value);
        Instrument {
            attr,
            args,
            name,
            help,
            unit: family.unit.to_owned(),
            companions: None,
            slot: None,
        }
    }

    /// The attribute's name as written.
    pub fn attr_name(&self) -> &'static str {
        self.attr.spec().name
    }

    /// Whether the call's outcome is recorded, which needs the returned value.
    pub fn classifies_outcome(&self) -> bool {
        self.attr == FnAttr::Counted
    }

    /// Whether an async call is measured around each poll of its future, rather than from
    /// its start to its end: what it allocated, not what its thread did while it waited.
    pub fn measures_polls(&self) -> bool {
        self.attr == FnAttr::Allocations
    }

    /// The storage static, or under `#[instrumented]` its place in the shared one.
    pub fn storage(&self) -> TokenStream {
        match self.slot {
            Some(slot) => {
                let shared = Ident::new(SHARED_STORAGE, Span::call_site());
                let slot = syn::Index::from(slot);
                quote!(#shared.#slot)
            }
            None => Ident::new(self.attr.family().storage, Span::call_site()).into_token_stream(),
        }
    }

    /// The metric in the storage static: `#[allocations]` keeps its own in a wrapper that
    /// shows it only once the counting allocator is installed.
    fn stored(&self) -> TokenStream {
        let storage = self.storage();
        if self.attr == FnAttr::Allocations {
            quote!(#storage.metric())
        } else {
            quote!(#storage)
        }
    }

    /// What this call records into: the static itself, or with `labels(key = expr)`, the
    /// family child that [`Instrument::select`] picked.
    pub fn target(&self) -> TokenStream {
        if self.args.computed.is_empty() {
            let stored = self.stored();
            quote!(&#stored)
        } else {
            handle(self.attr).into_token_stream()
        }
    }

    /// With `labels(key = expr)`: evaluates the expressions, with the arguments in scope,
    /// and picks the family child. The values live in a block of their own, so that
    /// borrows of arguments end before the body takes them.
    fn select(&self) -> TokenStream {
        if self.args.computed.is_empty() {
            return TokenStream::new();
        }
        let p = self.args.private();
        let stored = self.stored();
        let handle = handle(self.attr);
        let mut lets = TokenStream::new();
        let mut texts = Vec::new();
        for (i, (_, expr)) in self.args.computed.iter().enumerate() {
            let value = Ident::new(&format!("__meterbox_value{i}"), Span::mixed_site());
            let label = Ident::new(&format!("__meterbox_label{i}"), Span::mixed_site());
            // Located at the expression, so a value that is no label value is reported
            // there.
            let at = Span::mixed_site().located_at(expr.span());
            let value_at = Ident::new(&value.to_string(), at);
            let as_label = quote_spanned!(at=> #p::LabelValue::as_label(&#value_at));
            lets.extend(quote! {
                let #value = #expr;
                let #label = #as_label;
            });
            texts.push(quote!(#label.as_str()));
        }
        quote! {
            let #handle = {
                #lets
                #stored.with([#(#texts),*])
            };
        }
    }

    /// The guard made on entry, recording on drop.
    pub fn enter(&self) -> TokenStream {
        let p = self.args.private();
        let target = self.target();
        match self.attr {
            FnAttr::InFlight => quote!(#p::InFlightGuard::enter(#target)),
            FnAttr::Metered => quote!(#p::Meter::enter(#target)),
            FnAttr::Timed => quote!(#p::Histogram::start_timer(#target)),
            // Through a macro of the runtime, which refuses it without the `allocations`
            // feature. An async call is measured per poll instead: see `wrap`.
            FnAttr::Allocations => quote!(#p::allocations!(guard #target)),
            // Its guard classifies the outcome: see `wrap`.
            FnAttr::Counted => self.call_guard(&quote!(Ok)),
        }
    }

    /// The storage static, its descriptor, and the family child of this call if any (under
    /// `#[instrumented]`, of the call counter and its companions). A call counter exposes
    /// the `result` series of `outcomes` only.
    pub fn prelude(&self, label: &str, outcomes: Outcomes) -> TokenStream {
        let p = self.args.private();
        let Some(companions) = self.companions.as_deref() else {
            let storage = self.storage();
            let desc = Ident::new(&format!("{storage}_DESCRIPTOR"), Span::call_site());
            let (ty, init) = self.storage_type(outcomes);
            let descriptor = self.descriptor(label).register(&desc);
            let objective = self.objective(&desc.to_token_stream());
            let select = self.select();
            return quote! {
                static #storage: #ty = #init;
                #descriptor
                #objective
                #select
            };
        };
        let all = [self, &companions[0], &companions[1]];
        let (types, inits): (Vec<_>, Vec<_>) = all.iter().map(|i| i.storage_type(outcomes)).unzip();
        let descriptors = all.iter().map(|i| i.descriptor(label).expand());
        let shared = Ident::new(SHARED_STORAGE, Span::call_site());
        let descs = Ident::new(SHARED_DESCRIPTORS, Span::call_site());
        let objectives = all
            .iter()
            .enumerate()
            .map(|(n, i)| i.objective(&quote!(#descs[#n])));
        let selects = all.iter().map(|i| i.select());
        quote! {
            static #shared: (#(#types),*) = (#(#inits),*);
            #p::register! {
                #[doc(hidden)]
                static #descs: [_; 3] = [#(#descriptors),*];
            }
            #(#objectives)*
            #(#selects)*
        }
    }

    /// The storage static's type and initial value.
    fn storage_type(&self, outcomes: Outcomes) -> (TokenStream, TokenStream) {
        let p = self.args.private();
        let calls = match outcomes {
            Outcomes::All => quote!(#p::Calls::new()),
            Outcomes::NotCancelled => quote!(#p::Calls::NOT_CANCELLED),
            Outcomes::OkOrPanic => quote!(#p::Calls::OK_OR_PANIC),
        };
        let (mut ty, mut init) = match self.attr {
            FnAttr::Counted if self.args.sharded => (quote!(#p::Calls<#p::ShardedCounter>), calls),
            FnAttr::Counted => (quote!(#p::Calls), calls),
            FnAttr::InFlight => (quote!(#p::Gauge), quote!(#p::Gauge::new())),
            FnAttr::Metered => (quote!(#p::Meter), quote!(#p::Meter::new())),
            FnAttr::Timed => (
                quote!(#p::Histogram),
                match (&self.args.buckets, &self.args.objective) {
                    (Some(bounds), _) => quote!(#p::Histogram::new(&[#(#bounds),*])),
                    // An objective's threshold is read from a classic bucket.
                    (None, Some(_)) => quote!(#p::Histogram::for_durations()),
                    (None, None) => quote!(#p::Histogram::TIMING),
                },
            ),
            FnAttr::Allocations => (
                quote!(#p::Histogram),
                self.args.buckets.as_ref().map_or_else(
                    || quote!(#p::Histogram::for_bytes()),
                    |bounds| quote!(#p::Histogram::new(&[#(#bounds),*])),
                ),
            ),
        };
        if !self.args.computed.is_empty() {
            let n = self.args.computed.len();
            let keys = self.args.computed.iter().map(|(k, _)| k.to_string());
            ty = quote!(#p::Family<#ty, #n>);
            init = quote!(#p::Family::with_prototype([#(#keys),*], #init));
        }
        if self.attr == FnAttr::Allocations {
            ty = quote!(#p::Conditional<#ty>);
            init = quote!(#p::Conditional::new(#init, #p::allocator_installed));
        }
        (ty, init)
    }

    /// The descriptor of the storage.
    fn descriptor(&self, label: &str) -> Descriptor {
        let private = self.args.private();
        let storage = self.storage();
        let mut labels = vec![
            quote!(("function", #label)),
            quote!(("module", ::core::module_path!())),
        ];
        labels.extend(self.args.label_pairs());
        Descriptor {
            private,
            name: self.name.clone(),
            help: self.help.clone(),
            unit: self.unit.clone(),
            labels,
            source: quote!(&#storage),
        }
    }

    /// The call counter's guard, made on entry: a silent end counts as `on_drop`. Under
    /// `#[instrumented]` it is the one guard of all three metrics.
    pub fn call_guard(&self, on_drop: &TokenStream) -> TokenStream {
        let p = self.args.private();
        let target = self.target();
        if let Some([timed, in_flight]) = self.companions.as_deref() {
            let (timed, in_flight) = (timed.target(), in_flight.target());
            return quote!(#p::InstrumentedGuard::enter(#in_flight, #timed, #target, #p::Outcome::#on_drop));
        }
        quote!(#p::CallGuard::new(#target, #p::Outcome::#on_drop))
    }

    /// With `objective = PATH`: the objective's use by this family, and for durations the
    /// check, when the function compiles, that its latency threshold is a bucket bound.
    /// Located at the path, where an error about it belongs.
    fn objective(&self, descriptor: &TokenStream) -> TokenStream {
        let Some(objective) = &self.args.objective else {
            return TokenStream::new();
        };
        let p = self.args.private();
        let at = objective.span();
        match self.attr {
            FnAttr::Counted => {
                quote_spanned!(at=> #p::objective!(Success #objective, #descriptor);)
            }
            FnAttr::Timed => {
                let bounds = self.args.buckets.as_ref().map_or_else(
                    || quote!(&#p::DEFAULT_DURATION_BUCKETS),
                    |bounds| quote!(&[#(#bounds),*]),
                );
                // Written here rather than in the runtime's macro, so that the error is
                // located at the objective's path.
                quote_spanned! {at=>
                    const _: () = ::core::assert!(
                        #p::threshold_is_a_bound(&#objective, #bounds),
                        "the objective's latency threshold is not one of this histogram's \
                         bucket bounds, so the share of calls under it cannot be computed: \
                         add it to `buckets`"
                    );
                    #p::objective!(Latency #objective, #descriptor);
                }
            }
            // Not among these attributes' options.
            FnAttr::InFlight | FnAttr::Metered | FnAttr::Allocations => TokenStream::new(),
        }
    }
}

/// The family child a call with computed labels records into, one for each attribute, as
/// `#[instrumented]` picks three.
fn handle(attr: FnAttr) -> Ident {
    let name = format!("__meterbox_handle_{}", attr.spec().name);
    Ident::new(&name, Span::mixed_site())
}
