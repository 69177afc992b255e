//! The body rewrite of `#[counted]` and `#[timed]`.
//!
//! Both put their storage and its registration at the top of the body and a `Drop` guard
//! before the user's code, so `return`, `?`, panics and (for async code) cancellation all
//! record. `#[counted]` also needs the returned value to tell `ok` from `error`, which it
//! catches by running the body in a closure (sync) or an inner async block (async).

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Block, Expr, FnArg, Ident, ReturnType, Signature, Stmt, Type};

use crate::args::{Args, Attr};
use crate::descriptor::Descriptor;
use crate::names;

/// One function attribute, resolved: which family it feeds and how.
pub struct Instrument {
    pub attr: Attr,
    pub args: Args,
    pub name: String,
    pub help: String,
    pub unit: String,
}

impl Instrument {
    pub fn new(attr: Attr, args: Args) -> Self {
        let (default_name, default_help, unit) = match attr {
            Attr::Counted => (
                "function_calls_total",
                "Calls of instrumented functions, by function, module and result.",
                "",
            ),
            Attr::Metered => (
                "function_throughput",
                "Calls of instrumented functions, with their rates per second.",
                "",
            ),
            Attr::InFlight => (
                "function_calls_in_flight",
                "Calls of instrumented functions in progress.",
                "",
            ),
            _ => (
                "function_duration_seconds",
                "Wall time of instrumented functions in seconds, awaits included.",
                "seconds",
            ),
        };
        let name = args
            .name
            .as_ref()
            .map_or_else(|| default_name.to_owned(), syn::LitStr::value);
        let name = match attr {
            Attr::Counted => names::counter_name(&name),
            _ => names::with_unit(&name, unit),
        };
        let help = args
            .help
            .as_ref()
            .map_or_else(|| default_help.to_owned(), syn::LitStr::value);
        Instrument {
            attr,
            args,
            name,
            help,
            unit: unit.to_owned(),
        }
    }

    pub fn attr_name(&self) -> &'static str {
        match self.attr {
            Attr::Metric => "metric",
            Attr::Counted => "counted",
            Attr::Timed => "timed",
            Attr::InFlight => "in_flight",
            Attr::Metered => "metered",
            Attr::Instrumented => "instrumented",
        }
    }

    /// The storage static.
    fn storage(&self) -> Ident {
        let name = match self.attr {
            Attr::Counted => "__METERBOX_CALLS",
            Attr::InFlight => "__METERBOX_IN_FLIGHT",
            Attr::Metered => "__METERBOX_METER",
            _ => "__METERBOX_DURATION",
        };
        Ident::new(name, Span::call_site())
    }

    /// What this call records into: the static itself, or with `labels(key = expr)`, the
    /// family child that [`Instrument::select`] picked.
    fn target(&self) -> TokenStream {
        if self.args.computed.is_empty() {
            let storage = self.storage();
            quote!(&#storage)
        } else {
            handle().into_token_stream()
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
        let storage = self.storage();
        let handle = handle();
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
                #storage.with([#(#texts),*])
            };
        }
    }

    /// The guard of `#[timed]` and `#[in_flight]`, made on entry and recording on drop.
    fn enter(&self) -> TokenStream {
        let p = self.args.private();
        let target = self.target();
        if self.attr == Attr::InFlight {
            quote!(#p::InFlightGuard::enter(#target))
        } else if self.attr == Attr::Metered {
            quote!(#p::Meter::enter(#target))
        } else {
            quote!(#p::Histogram::start_timer(#target))
        }
    }

    /// The storage static, its descriptor, and the family child of this call if any.
    fn prelude(&self, label: &str) -> TokenStream {
        let p = self.args.private();
        let storage = self.storage();
        let desc = Ident::new(&format!("{storage}_DESCRIPTOR"), Span::call_site());
        let (mut ty, mut init) = match self.attr {
            Attr::Counted if self.args.sharded => (
                quote!(#p::Calls<#p::ShardedCounter>),
                quote!(#p::Calls::new()),
            ),
            Attr::Counted => (quote!(#p::Calls), quote!(#p::Calls::new())),
            Attr::InFlight => (quote!(#p::Gauge), quote!(#p::Gauge::new())),
            Attr::Metered => (quote!(#p::Meter), quote!(#p::Meter::new())),
            _ => (
                quote!(#p::Histogram),
                self.args.buckets.as_ref().map_or_else(
                    || quote!(#p::Histogram::for_durations()),
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
        let mut labels = vec![
            quote!(("function", #label)),
            quote!(("module", ::core::module_path!())),
        ];
        labels.extend(self.args.label_pairs());
        let descriptor = Descriptor {
            private: &p,
            ident: desc,
            name: self.name.clone(),
            help: self.help.clone(),
            unit: self.unit.clone(),
            labels,
            source: quote!(&#storage),
        }
        .expand();
        let select = self.select();
        quote! {
            static #storage: #ty = #init;
            #descriptor
            #select
        }
    }
}

/// The family child a call with computed labels records into.
fn handle() -> Ident {
    Ident::new("__meterbox_handle", Span::mixed_site())
}

/// How the body is wrapped.
enum Shape {
    /// A guard before the untouched body.
    Guard,
    /// Sync body run in a closure so its value can be classified.
    Closure,
    /// `async fn`: body run in an inner async block so its value can be classified.
    AsyncFn,
}

fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

/// The type to annotate the returned value with: `_` where the type cannot be written in a
/// `let` (an `impl Trait`).
fn value_type(output: &ReturnType) -> TokenStream {
    match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) if mentions_impl_trait(ty.to_token_stream()) => quote!(_),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    }
}

fn mentions_impl_trait(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => mentions_impl_trait(g.stream()),
        _ => false,
    })
}

fn mentions_borrow(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Punct(p) => p.as_char() == '&' || p.as_char() == '\'',
        TokenTree::Group(g) => mentions_borrow(g.stream()),
        _ => false,
    })
}

/// A `&mut` argument and a borrowed return value: the value may borrow from the argument,
/// which a closure or inner async block that captured it could not hand back.
fn may_return_borrow_of_mut(sig: &Signature) -> bool {
    let mut_arg = sig.inputs.iter().any(|arg| match arg {
        FnArg::Receiver(r) => r.mutability.is_some() && r.reference.is_some(),
        FnArg::Typed(t) => matches!(&*t.ty, Type::Reference(r) if r.mutability.is_some()),
    });
    mut_arg
        && match &sig.output {
            ReturnType::Default => false,
            ReturnType::Type(_, ty) => mentions_borrow(ty.to_token_stream()),
        }
}

/// The future a function returns at the end of its body: `async {…}` or
/// `Box::pin(async {…})` (what `#[async_trait]` produces).
fn tail_future(block: &Block) -> Option<&syn::ExprAsync> {
    let Some(Stmt::Expr(tail, None)) = block.stmts.last() else {
        return None;
    };
    match tail {
        Expr::Async(a) => Some(a),
        Expr::Call(call) if call.args.len() == 1 => {
            let Expr::Path(func) = &*call.func else {
                return None;
            };
            let is_pin = func.path.segments.last().is_some_and(|s| s.ident == "pin");
            match call.args.first() {
                Some(Expr::Async(a)) if is_pin => Some(a),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Input: the body `{ … }`. Output: the instrumented body, in the same braces.
pub fn body(
    inst: &Instrument,
    attrs: &[Attribute],
    sig: &Signature,
    label: &str,
    body: &Group,
) -> TokenStream {
    let span = body.span();
    let inner = inner_body(inst, attrs, sig, label, body);
    // The user's brace spans keep the item's span theirs, so lints such as `dead_code`
    // still fire on it.
    let mut group = Group::new(Delimiter::Brace, inner);
    group.set_span(span);
    group.into_token_stream()
}

fn inner_body(
    inst: &Instrument,
    attrs: &[Attribute],
    sig: &Signature,
    label: &str,
    body: &Group,
) -> TokenStream {
    let prelude = inst.prelude(label);
    if sig.asyncness.is_none() {
        if let Ok(block) = syn::parse2::<Block>(body.to_token_stream()) {
            if let Some(future) = tail_future(&block) {
                return future_body(inst, &prelude, &block, future);
            }
        }
    }
    let p = inst.args.private();
    let target = inst.target();
    let guard = Ident::new("__meterbox_guard", Span::mixed_site());
    let ret = Ident::new("__meterbox_ret", Span::mixed_site());
    if inst.attr != Attr::Counted {
        let (inner_attrs, stmts) = split_inner_attrs(body);
        let enter = inst.enter();
        return quote! {
            #inner_attrs
            #prelude
            let #guard = #enter;
            #stmts
        };
    }
    let is_never = matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)));
    let shape = if has_attr(attrs, "track_caller") || is_never || may_return_borrow_of_mut(sig) {
        Shape::Guard
    } else if sig.asyncness.is_some() {
        Shape::AsyncFn
    } else {
        // Also for values that cannot be `Result`s: finishing explicitly skips the
        // panic check that a guard's drop needs, and the closure is inlined away.
        Shape::Closure
    };
    let ty = value_type(&sig.output);
    // Inner attributes stay at the top of the function; a closure or async block cannot
    // carry them.
    let (inner_attrs, stmts) = split_inner_attrs(body);
    let mut block = Group::new(Delimiter::Brace, stmts.clone());
    block.set_span(body.span());
    let finish = quote! {{
        use #p::{ClassifyAny as _, ClassifyResult as _};
        #guard.finish((&#p::Classify(&#ret)).__meterbox_outcome());
    }};
    match shape {
        Shape::Guard => {
            // A silent end is a return here; in an async fn it is also what a drop before
            // completion looks like, which this shape cannot tell apart.
            quote! {
                #inner_attrs
                #prelude
                let #guard = #p::CallGuard::new(#target, #p::Outcome::Ok);
                #stmts
            }
        }
        Shape::Closure => quote_spanned! {Span::mixed_site()=>
            #inner_attrs
            #prelude
            let #guard = #p::CallGuard::new(#target, #p::Outcome::Ok);
            #[allow(clippy::redundant_closure_call)]
            let #ret: #ty = (move || #block)();
            #finish
            #ret
        },
        Shape::AsyncFn => quote_spanned! {Span::mixed_site()=>
            #inner_attrs
            #prelude
            let #guard = #p::CallGuard::new(#target, #p::Outcome::Cancelled);
            let #ret: #ty = async move #block.await;
            #finish
            #ret
        },
    }
}

/// Splits `#![…]` inner attributes off the start of a body, so they can stay first once
/// statements are put before the body's own. The body's statements then share the guard's
/// scope rather than sit in a nested block, which would trip `unused_braces` on bodies such
/// as `{ 1 }`; the guard is declared first, so it is still dropped last.
fn split_inner_attrs(body: &Group) -> (TokenStream, TokenStream) {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let mut split = 0;
    while let [TokenTree::Punct(hash), TokenTree::Punct(bang), TokenTree::Group(g), ..] =
        &tokens[split..]
    {
        if hash.as_char() != '#' || bang.as_char() != '!' || g.delimiter() != Delimiter::Bracket {
            break;
        }
        split += 3;
    }
    let (attrs, stmts) = tokens.split_at(split);
    (
        attrs.iter().cloned().collect(),
        stmts.iter().cloned().collect(),
    )
}

/// Input: `{ stmts…; async move { … } }`. Output: the same statements, and the async block
/// instrumented inside, so the guard lives as long as the future, not its construction.
fn future_body(
    inst: &Instrument,
    prelude: &TokenStream,
    block: &Block,
    future: &syn::ExprAsync,
) -> TokenStream {
    let p = inst.args.private();
    let target = inst.target();
    let guard = Ident::new("__meterbox_guard", Span::mixed_site());
    let ret = Ident::new("__meterbox_ret", Span::mixed_site());
    let capture = &future.capture;
    // The family child is picked before the future is made, so the future must own its
    // handle. Moving is what a returned future can do anyway: whatever a non-`move` block
    // borrowed had to outlive the function, so only references and statics are taken.
    let outer_capture = if inst.args.computed.is_empty() {
        capture.to_token_stream()
    } else {
        quote!(move)
    };
    let inner = &future.block;
    let attrs = &future.attrs;
    let new_future = if inst.attr == Attr::Counted {
        quote_spanned! {Span::mixed_site()=>
            #(#attrs)* async #outer_capture {
                let #guard = #p::CallGuard::new(#target, #p::Outcome::Cancelled);
                let #ret = async #capture #inner.await;
                {
                    use #p::{ClassifyAny as _, ClassifyResult as _};
                    #guard.finish((&#p::Classify(&#ret)).__meterbox_outcome());
                }
                #ret
            }
        }
    } else {
        let enter = inst.enter();
        // The statements, not the block: a block as the tail would trip `unused_braces`.
        let stmts = &inner.stmts;
        quote_spanned! {Span::mixed_site()=>
            #(#attrs)* async #outer_capture {
                let #guard = #enter;
                #(#stmts)*
            }
        }
    };
    let (before, last) = block.stmts.split_at(block.stmts.len() - 1);
    let tail = match &last[0] {
        Stmt::Expr(Expr::Call(call), None) => {
            let func = &call.func;
            quote!(#func(#new_future))
        }
        _ => new_future,
    };
    quote! {
        #prelude
        #(#before)*
        #tail
    }
}
