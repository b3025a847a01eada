//! One query, written once, run on whichever database the pool or transaction talks to.
//!
//! Parameters are kept as [`Arg`] values until the backend is known, then encoded with that
//! backend's own types; rows decode through each backend's `FromRow`, so a row type derives
//! `FromRow` once and serves both.

use sqlx::{
    Arguments, Database, Encode, FromRow, SqlSafeStr, SqlStr, Type, postgres::PgRow,
    sqlite::SqliteRow,
};

use super::{Db, Tx};

/// Where a query runs: on a pool (a connection of its own) or inside a transaction.
pub enum On<'a> {
    Pool(&'a Db),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for On<'a> {
    fn from(db: &'a Db) -> Self {
        On::Pool(db)
    }
}

impl<'a> From<&'a mut Tx> for On<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        On::Tx(tx)
    }
}

/// A parameter, held until the query knows its backend.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($variant:ident: $($ty:ty => |$v:ident| $conv:expr),+ $(,)?) => {$(
        impl From<$ty> for Arg {
            fn from($v: $ty) -> Self {
                Arg::$variant(Some($conv))
            }
        }
        impl From<Option<$ty>> for Arg {
            fn from(value: Option<$ty>) -> Self {
                Arg::$variant(value.map(|$v| $conv))
            }
        }
    )+};
}

arg_from!(Int: i64 => |v| v, i32 => |v| i64::from(v), u32 => |v| i64::from(v));
arg_from!(Float: f64 => |v| v);
arg_from!(Bool: bool => |v| v);
arg_from!(Text: String => |v| v, &str => |v| v.to_owned(), &String => |v| v.clone());
arg_from!(Bytes: Vec<u8> => |v| v, &[u8] => |v| v.to_vec(), &Vec<u8> => |v| v.clone());

/// A statement and its parameters.
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query {
    sql: SqlStr,
    args: Vec<Arg>,
}

/// A statement with `$1`, `$2`, … parameters; a `&'static str`, or `AssertSqlSafe` for SQL
/// built at run time from trusted parts.
pub fn query(sql: impl SqlSafeStr) -> Query {
    Query {
        sql: sql.into_sql_str(),
        args: Vec::new(),
    }
}

/// A row type that decodes from either database.
pub trait AnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// Runs `$body` with `$run` bound to the query in the backend's own types and `$exec` to the
/// executor, for each of the four (backend, pool or transaction) cases.
macro_rules! dispatch {
    ($self:ident, $on:ident, |$sql:ident, $args:ident, $exec:ident| $body:expr) => {{
        let Query { sql: $sql, args } = $self;
        match $on.into() {
            On::Pool(Db::Sqlite(pool)) => {
                let $args = encode::<sqlx::Sqlite>(args)?;
                let $exec = pool;
                $body
            }
            On::Pool(Db::Postgres(pool)) => {
                let $args = encode::<sqlx::Postgres>(args)?;
                let $exec = pool;
                $body
            }
            On::Tx(Tx::Sqlite(tx)) => {
                let $args = encode::<sqlx::Sqlite>(args)?;
                let $exec = &mut **tx;
                $body
            }
            On::Tx(Tx::Postgres(tx)) => {
                let $args = encode::<sqlx::Postgres>(args)?;
                let $exec = &mut **tx;
                $body
            }
        }
    }};
}

impl Query {
    pub fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Runs the statement; the number of rows it changed.
    pub async fn execute<'a>(self, on: impl Into<On<'a>>) -> Result<u64, sqlx::Error> {
        dispatch!(self, on, |sql, args, exec| Ok(sqlx::query_with(sql, args)
            .execute(exec)
            .await?
            .rows_affected()))
    }

    pub async fn fetch_all<'a, T: AnyRow>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        dispatch!(self, on, |sql, args, exec| sqlx::query_as_with(sql, args)
            .fetch_all(exec)
            .await)
    }

    pub async fn fetch_one<'a, T: AnyRow>(self, on: impl Into<On<'a>>) -> Result<T, sqlx::Error> {
        dispatch!(self, on, |sql, args, exec| sqlx::query_as_with(sql, args)
            .fetch_one(exec)
            .await)
    }

    pub async fn fetch_optional<'a, T: AnyRow>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Option<T>, sqlx::Error> {
        dispatch!(self, on, |sql, args, exec| sqlx::query_as_with(sql, args)
            .fetch_optional(exec)
            .await)
    }
}

/// Encodes the parameters in `DB`'s own types.
fn encode<DB>(args: Vec<Arg>) -> Result<DB::Arguments, sqlx::Error>
where
    DB: Database,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<f64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<bool>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
{
    let mut encoded = DB::Arguments::default();
    for arg in args {
        match arg {
            Arg::Int(v) => encoded.add(v),
            Arg::Float(v) => encoded.add(v),
            Arg::Bool(v) => encoded.add(v),
            Arg::Text(v) => encoded.add(v),
            Arg::Bytes(v) => encoded.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(encoded)
}
