//! Whether a function body can leave before its end, read from its tokens without parsing
//! it: a body that cannot is taken as a block's value, which compiles faster than the
//! closure that catches a `return` or a `?`.

use proc_macro2::{TokenStream, TokenTree};

/// Macros that never return from the function they are used in, other than through
/// their arguments (which are read like the rest of the body). A program's own macro of one
/// of these names that returns would have its call counted `ok`, still counted and timed.
const PLAIN_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "cfg",
    "column",
    "concat",
    "dbg",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "env",
    "eprint",
    "eprintln",
    "file",
    "format",
    "format_args",
    "include_bytes",
    "include_str",
    "line",
    "matches",
    "module_path",
    "panic",
    "print",
    "println",
    "stringify",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
];

/// Whether a body may leave before its end: a `return`, a `?`, or a macro that could hold
/// either. Read from the tokens, so anything that looks like one counts, wherever it is.
pub fn may_exit_early(tokens: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    tokens.iter().enumerate().any(|(i, t)| match t {
        TokenTree::Ident(word) => {
            word == "return"
                || matches!(
                    (tokens.get(i + 1), tokens.get(i + 2)),
                    (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(_)))
                        if bang.as_char() == '!'
                            && !PLAIN_MACROS.iter().any(|m| word == m)
                )
        }
        TokenTree::Punct(p) => p.as_char() == '?',
        TokenTree::Group(g) => may_exit_early(g.stream()),
        TokenTree::Literal(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::may_exit_early;
    use quote::quote;

    #[test]
    fn a_body_may_exit_early_through_return_question_mark_or_an_unknown_macro() {
        assert!(may_exit_early(quote!(if x { return 1; } 2)));
        assert!(may_exit_early(quote!(let v = f()?; Ok(v))));
        assert!(may_exit_early(quote!(println!("{}", f()?); 1)));
        assert!(may_exit_early(quote!(bail!(); 1)));
        assert!(may_exit_early(quote!(crate::ensure!(x > 0); 1)));
        assert!(may_exit_early(quote!(let c = || { return 1; }; c())));
    }

    #[test]
    fn a_body_with_only_plain_macros_and_operators_ends_at_its_end() {
        assert!(!may_exit_early(quote!(
            let v = vec![1, 2];
            println!("{}", v.len());
            assert!(!v.is_empty() && x != 3, "{}", format!("{v:?}"));
            if v.len() > 1 { Ok(v) } else { Err(()) }
        )));
        assert!(!may_exit_early(quote!(std::println!("{}", !x); x)));
    }
}
