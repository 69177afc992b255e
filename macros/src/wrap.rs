//! The body rewrite of the function attributes.
//!
//! Both put their storage and its registration at the top of the body and a `Drop` guard
//! before the user's code, so `return`, `?`, panics and (for async code) cancellation all
//! record. `#[counted]` also needs the returned value to tell `ok` from `error`, which it
//! takes as the value of the body: as a block where the body has no way out but its end,
//! else by running it in a closure (sync) or an inner async block (async).

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Block, Expr, FnArg, Ident, ReturnType, Signature, Stmt, Type};

use crate::exits::may_exit_early;
use crate::instrument::{Instrument, Outcomes};

/// How the body is wrapped.
enum Shape {
    /// A guard before the untouched body.
    Guard,
    /// Sync body run in a closure so its value can be classified.
    Closure,
    /// Sync body with no way out but its end, taken as a block's value: a closure's worth of
    /// compile time less.
    Block,
    /// `async fn`: body run in an inner async block so its value can be classified.
    AsyncFn,
}

impl Shape {
    /// What the call counter's guard can record in this shape: a guard alone sees no value
    /// and no cancellation; a sync call cannot be cancelled.
    fn outcomes(&self) -> Outcomes {
        match self {
            Shape::Guard => Outcomes::OkOrPanic,
            Shape::Closure | Shape::Block => Outcomes::NotCancelled,
            Shape::AsyncFn => Outcomes::All,
        }
    }
}

fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

/// The type to annotate the returned value with: `_` where the type cannot be written in a
/// `let` (an `impl Trait`).
fn value_type(output: &ReturnType) -> TokenStream {
    match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) if mentions(ty.to_token_stream(), "impl") => quote!(_),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    }
}

/// Whether `word` is among `tokens`, at any depth.
fn mentions(tokens: TokenStream, word: &str) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == word,
        TokenTree::Group(g) => mentions(g.stream(), word),
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

/// Whether the body's tail, after its last top-level `;`, has an `async` in it: only then
/// can it be a future to instrument, and only then is the whole body parsed to find out.
fn tail_mentions_async(body: &Group) -> bool {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let tail = tokens
        .iter()
        .rposition(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'))
        .map_or(&tokens[..], |end| &tokens[end + 1..]);
    mentions(tail.iter().cloned().collect(), "async")
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
    if sig.asyncness.is_none() && tail_mentions_async(body) {
        if let Ok(block) = syn::parse2::<Block>(body.to_token_stream()) {
            if let Some(future) = tail_future(&block) {
                let prelude = inst.prelude(label, Outcomes::All);
                return future_body(inst, &prelude, &block, future);
            }
        }
    }
    let is_never = matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)));
    let shape = if has_attr(attrs, "track_caller") || is_never || may_return_borrow_of_mut(sig) {
        Shape::Guard
    } else if sig.asyncness.is_some() {
        Shape::AsyncFn
    } else if !may_exit_early(body.stream()) {
        Shape::Block
    } else {
        // Also for values that cannot be `Result`s: finishing explicitly skips the
        // panic check that a guard's drop needs, and the closure is inlined away.
        Shape::Closure
    };
    let prelude = inst.prelude(label, shape.outcomes());
    let p = inst.args.private();
    let guard = Ident::new("__meterbox_guard", Span::mixed_site());
    let ret = Ident::new("__meterbox_ret", Span::mixed_site());
    if inst.measures_polls() && sig.asyncness.is_some() {
        return polled_async_fn(inst, &prelude, sig, body);
    }
    if !inst.classifies_outcome() {
        let (inner_attrs, stmts) = split_inner_attrs(body);
        let enter = inst.enter();
        return quote! {
            #inner_attrs
            #prelude
            let #guard = #enter;
            #stmts
        };
    }
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
    // A silent end of an async fn's call is a cancellation; of any other, a return.
    let call = inst.call_guard(&match shape {
        Shape::AsyncFn => quote!(Cancelled),
        Shape::Guard | Shape::Closure | Shape::Block => quote!(Ok),
    });
    match shape {
        Shape::Guard => {
            // A silent end is a return here; in an async fn it is also what a drop before
            // completion looks like, which this shape cannot tell apart.
            quote! {
                #inner_attrs
                #prelude
                let #guard = #call;
                #stmts
            }
        }
        Shape::Closure => quote_spanned! {Span::mixed_site()=>
            #inner_attrs
            #prelude
            let #guard = #call;
            #[allow(clippy::redundant_closure_call)]
            let #ret: #ty = (move || #block)();
            #finish
            #ret
        },
        Shape::Block => quote_spanned! {Span::mixed_site()=>
            #inner_attrs
            #prelude
            let #guard = #call;
            #[allow(unused_braces)]
            let #ret: #ty = #block;
            // A body that never ends (a `panic!`, a call returning `!`) leaves the rest
            // unreachable, which is no fault of its; the lint speaks once, here.
            #[allow(unreachable_code)]
            let () = #finish;
            #ret
        },
        Shape::AsyncFn => quote_spanned! {Span::mixed_site()=>
            #inner_attrs
            #prelude
            let #guard = #call;
            let #ret: #ty = async move #block.await;
            #finish
            #ret
        },
    }
}

/// An `async fn` whose polls are measured one by one: its body runs as an inner async
/// block inside the runtime's measuring future. A `&mut` argument whose borrow is returned
/// cannot be handed back out of that block, so such a function is refused rather than
/// measured across its waits.
fn polled_async_fn(
    inst: &Instrument,
    prelude: &TokenStream,
    sig: &Signature,
    body: &Group,
) -> TokenStream {
    if may_return_borrow_of_mut(sig) {
        return syn::Error::new(
            sig.output.span(),
            format!(
                "#[{}] cannot measure an async fn that returns a borrow of a `&mut` \
                 argument: its body must run in a future of its own. Put the attribute on \
                 a function it calls",
                inst.attr_name()
            ),
        )
        .into_compile_error();
    }
    let p = inst.args.private();
    let target = inst.target();
    let ret = Ident::new("__meterbox_ret", Span::mixed_site());
    let ty = value_type(&sig.output);
    let (inner_attrs, stmts) = split_inner_attrs(body);
    let mut block = Group::new(Delimiter::Brace, stmts);
    block.set_span(body.span());
    quote_spanned! {Span::mixed_site()=>
        #inner_attrs
        #prelude
        let #ret: #ty = #p::allocations!(future #target, async move #block).await;
        #ret
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
    let call_cancelled = inst.call_guard(&quote!(Cancelled));
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
    let new_future = if inst.measures_polls() {
        quote_spanned! {Span::mixed_site()=>
            #p::allocations!(future #target, #(#attrs)* async #capture #inner)
        }
    } else if inst.classifies_outcome() {
        quote_spanned! {Span::mixed_site()=>
            #(#attrs)* async #outer_capture {
                let #guard = #call_cancelled;
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
