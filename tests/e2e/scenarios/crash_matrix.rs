//! The crash matrix: a realistic journaled migration set (three apps;
//! tables with keys and indexes, columns added and dropped, views, rows
//! inserted and updated, objects the set created dropped again) killed at
//! every statement boundary of every migration, applying and unapplying.
//!
//! Each crash applying is recovered twice: undone (`repair --undo`), which
//! must give back the database as it was before the migration, and resumed
//! (`repair --resume`), which must give the database a clean run gives at
//! that migration. Each crash unapplying is resumed, to the database as it
//! was before the migration. The history must say so every time. For one
//! undo and one resume per migration, the rest of the set is then applied,
//! to the database and history of a clean full run.
//!
//! The repairs themselves are killed too, for every migration of the set
//! ([`KILLED_REPAIRS`]): `repair --undo` before and after each inverse,
//! `repair --resume` at each statement boundary, each finished by running
//! the same repair again.

use std::sync::Arc;
use std::time::Instant;

use crate::harness::{Ctx, Kind, Output};

/// One migration of the set. Statements are written once for every engine,
/// except `DROP INDEX i ON t`: MySQL's form, which PostgreSQL and SQLite
/// spell `DROP INDEX i`, and the session statements of one migration,
/// which MariaDB spells otherwise (`MYSQL_SPELLING`); a `.mysql.sql`
/// variant carries MariaDB's text.
struct Migration {
    app: &'static str,
    name: &'static str,
    depends_on: &'static str,
    up: &'static [&'static str],
    down: &'static [&'static str],
}

const CUSTOMER_CARD: &str = "CREATE VIEW customer_card AS SELECT c.id, c.name, a.city FROM customer c JOIN address a ON a.customer_id = c.id";
const LOGIN_AUDIT: &str = "CREATE TABLE login_audit (id INTEGER NOT NULL, customer_id INTEGER NOT NULL, logged_at VARCHAR(30) NOT NULL, PRIMARY KEY (id))";
const SUPPLIER: &str = "CREATE TABLE supplier (id INTEGER NOT NULL, name VARCHAR(100) NOT NULL, country VARCHAR(2), PRIMARY KEY (id))";
const LISTING: &str = "CREATE VIEW product_listing AS SELECT p.id, p.sku, p.title, c.name AS category FROM product p JOIN category c ON c.id = p.category_id";
const SHIPMENT: &str = "CREATE TABLE shipment (id INTEGER NOT NULL, order_id INTEGER NOT NULL, tracking VARCHAR(64) NOT NULL, PRIMARY KEY (id), CONSTRAINT shipment_order_fk FOREIGN KEY (order_id) REFERENCES purchase_order (id))";
const RETURN_REQUEST: &str = "CREATE TABLE return_request (id INTEGER NOT NULL, order_id INTEGER NOT NULL, reason VARCHAR(200), requested_on VARCHAR(10) NOT NULL, PRIMARY KEY (id), CONSTRAINT return_request_order_fk FOREIGN KEY (order_id) REFERENCES purchase_order (id))";
const OPEN_ORDERS: &str = "CREATE VIEW open_orders AS SELECT id, customer_id, placed_on FROM purchase_order WHERE status = 'open'";
const ORDER_TOTALS: &str = "CREATE VIEW order_totals AS SELECT order_id, SUM(quantity) AS items FROM order_line GROUP BY order_id";

/// The set, in the order a full run applies it (`orders` depends on the
/// other two apps). Every down section is the exact inverse of its up
/// section: a column is dropped only while it is its table's last, so that
/// adding it back restores the column order. No index leads with a
/// foreign-key column: MariaDB would drop the foreign key's own index for
/// it, and then refuse to drop it again.
const SET: &[Migration] = &[
    Migration {
        app: "accounts",
        name: "0001_customers",
        depends_on: "",
        up: &[
            "CREATE TABLE customer (id INTEGER NOT NULL, email VARCHAR(120) NOT NULL, name VARCHAR(100) NOT NULL, PRIMARY KEY (id), CONSTRAINT customer_email_key UNIQUE (email))",
            "CREATE INDEX customer_name ON customer (name)",
            "CREATE TABLE address (id INTEGER NOT NULL, customer_id INTEGER NOT NULL, city VARCHAR(80) NOT NULL, PRIMARY KEY (id), CONSTRAINT address_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id))",
            "CREATE INDEX address_city ON address (city)",
        ],
        down: &["DROP TABLE address", "DROP TABLE customer"],
    },
    Migration {
        app: "accounts",
        name: "0002_seed_customers",
        depends_on: "",
        up: &[
            "CREATE TABLE region (code VARCHAR(8) NOT NULL, label VARCHAR(60) NOT NULL, PRIMARY KEY (code))",
            "INSERT INTO region (code, label) VALUES ('eu', 'Europe'), ('na', 'North America'), ('ap', 'Asia Pacific')",
            "INSERT INTO customer (id, email, name) VALUES (1, 'ada@example.com', 'Ada'), (2, 'grace@example.com', 'Grace'), (3, 'edsger@example.com', 'Edsger')",
            "INSERT INTO address (id, customer_id, city) VALUES (1, 1, 'London'), (2, 2, 'New York'), (3, 3, 'Austin')",
        ],
        down: &[
            "DELETE FROM address WHERE id IN (1, 2, 3)",
            "DELETE FROM customer WHERE id IN (1, 2, 3)",
            "DROP TABLE region",
        ],
    },
    Migration {
        app: "accounts",
        name: "0003_customer_phone",
        depends_on: "",
        up: &[
            "ALTER TABLE customer ADD COLUMN phone VARCHAR(30)",
            "CREATE INDEX customer_phone ON customer (phone)",
            "UPDATE customer SET phone = '555-0100' WHERE id = 1",
        ],
        down: &[
            "DROP INDEX customer_phone ON customer",
            "ALTER TABLE customer DROP COLUMN phone",
        ],
    },
    Migration {
        app: "accounts",
        name: "0004_address_region",
        depends_on: "",
        up: &[
            "ALTER TABLE address ADD COLUMN region_code VARCHAR(8)",
            "CREATE INDEX address_region ON address (region_code)",
            "UPDATE address SET region_code = 'eu' WHERE city = 'London'",
            "UPDATE address SET region_code = 'na' WHERE city <> 'London'",
        ],
        down: &[
            "DROP INDEX address_region ON address",
            "ALTER TABLE address DROP COLUMN region_code",
        ],
    },
    Migration {
        app: "accounts",
        name: "0005_customer_notes",
        depends_on: "",
        up: &[
            CUSTOMER_CARD,
            "CREATE TABLE customer_note (id INTEGER NOT NULL, customer_id INTEGER NOT NULL, body VARCHAR(400) NOT NULL, created_on VARCHAR(10) NOT NULL, PRIMARY KEY (id), CONSTRAINT customer_note_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id))",
            "CREATE INDEX customer_note_created ON customer_note (created_on)",
        ],
        down: &["DROP TABLE customer_note", "DROP VIEW customer_card"],
    },
    Migration {
        app: "accounts",
        name: "0006_customer_flags",
        depends_on: "",
        up: &[
            "ALTER TABLE customer ADD COLUMN legacy_flag INTEGER",
            "ALTER TABLE customer ADD COLUMN marketing_opt_in INTEGER",
            LOGIN_AUDIT,
            "CREATE INDEX login_audit_customer ON login_audit (customer_id, logged_at)",
        ],
        down: &[
            "DROP TABLE login_audit",
            "ALTER TABLE customer DROP COLUMN marketing_opt_in",
            "ALTER TABLE customer DROP COLUMN legacy_flag",
        ],
    },
    Migration {
        app: "accounts",
        name: "0007_audit_ip",
        depends_on: "",
        up: &[
            "ALTER TABLE customer DROP COLUMN marketing_opt_in",
            "DROP INDEX login_audit_customer ON login_audit",
            "ALTER TABLE login_audit ADD COLUMN ip VARCHAR(45)",
            "CREATE INDEX login_audit_ip ON login_audit (ip)",
        ],
        down: &[
            "DROP INDEX login_audit_ip ON login_audit",
            "ALTER TABLE login_audit DROP COLUMN ip",
            "CREATE INDEX login_audit_customer ON login_audit (customer_id, logged_at)",
            "ALTER TABLE customer ADD COLUMN marketing_opt_in INTEGER",
        ],
    },
    Migration {
        app: "accounts",
        name: "0008_drop_legacy",
        depends_on: "",
        up: &[
            "ALTER TABLE customer DROP COLUMN legacy_flag",
            "DROP INDEX login_audit_ip ON login_audit",
            "DROP TABLE login_audit",
        ],
        down: &[
            "CREATE TABLE login_audit (id INTEGER NOT NULL, customer_id INTEGER NOT NULL, logged_at VARCHAR(30) NOT NULL, ip VARCHAR(45), PRIMARY KEY (id))",
            "CREATE INDEX login_audit_ip ON login_audit (ip)",
            "ALTER TABLE customer ADD COLUMN legacy_flag INTEGER",
        ],
    },
    Migration {
        app: "accounts",
        name: "0009_recent_notes",
        depends_on: "",
        up: &[
            "CREATE VIEW recent_notes AS SELECT id, customer_id, created_on FROM customer_note",
            "INSERT INTO customer_note (id, customer_id, body, created_on) VALUES (1, 1, 'Asked about invoices', '2024-03-01'), (2, 2, 'Prefers email', '2024-03-02')",
            "INSERT INTO customer_note (id, customer_id, body, created_on) VALUES (3, 1, 'Follow-up call', '2024-03-05')",
        ],
        down: &[
            "DELETE FROM customer_note WHERE id IN (1, 2, 3)",
            "DROP VIEW recent_notes",
        ],
    },
    Migration {
        app: "accounts",
        name: "0010_pinned_notes",
        depends_on: "",
        up: &[
            "DROP VIEW recent_notes",
            "ALTER TABLE customer_note ADD COLUMN pinned INTEGER",
            "CREATE VIEW recent_notes AS SELECT id, customer_id, created_on, pinned FROM customer_note",
            "UPDATE customer_note SET pinned = 1 WHERE id = 1",
        ],
        down: &[
            "DROP VIEW recent_notes",
            "ALTER TABLE customer_note DROP COLUMN pinned",
            "CREATE VIEW recent_notes AS SELECT id, customer_id, created_on FROM customer_note",
        ],
    },
    Migration {
        app: "catalog",
        name: "0001_products",
        depends_on: "",
        up: &[
            "CREATE TABLE category (id INTEGER NOT NULL, name VARCHAR(60) NOT NULL, PRIMARY KEY (id), CONSTRAINT category_name_key UNIQUE (name))",
            "CREATE TABLE product (id INTEGER NOT NULL, sku VARCHAR(32) NOT NULL, title VARCHAR(200) NOT NULL, category_id INTEGER NOT NULL, price DECIMAL(10,2) NOT NULL, PRIMARY KEY (id), CONSTRAINT product_sku_key UNIQUE (sku), CONSTRAINT product_category_fk FOREIGN KEY (category_id) REFERENCES category (id))",
            "CREATE INDEX product_price ON product (price)",
            SUPPLIER,
            "CREATE INDEX supplier_country ON supplier (country)",
        ],
        down: &[
            "DROP TABLE supplier",
            "DROP TABLE product",
            "DROP TABLE category",
        ],
    },
    Migration {
        app: "catalog",
        name: "0002_seed_catalog",
        depends_on: "",
        up: &[
            "INSERT INTO category (id, name) VALUES (1, 'Books'), (2, 'Games'), (3, 'Music')",
            "INSERT INTO product (id, sku, title, category_id, price) VALUES (1, 'BK-001', 'SQL Antipatterns', 1, 34.50), (2, 'BK-002', 'Designing Data-Intensive Applications', 1, 45.00), (3, 'GM-001', 'Go', 2, 25.00), (4, 'MU-001', 'Kind of Blue', 3, 12.99)",
        ],
        down: &[
            "DELETE FROM product WHERE id IN (1, 2, 3, 4)",
            "DELETE FROM category WHERE id IN (1, 2, 3)",
        ],
    },
    Migration {
        app: "catalog",
        name: "0003_stock",
        depends_on: "",
        up: &[
            "CREATE TABLE stock (product_id INTEGER NOT NULL, quantity INTEGER NOT NULL, PRIMARY KEY (product_id), CONSTRAINT stock_product_fk FOREIGN KEY (product_id) REFERENCES product (id))",
            "CREATE INDEX stock_quantity ON stock (quantity)",
            "INSERT INTO stock (product_id, quantity) SELECT id, 10 FROM product",
        ],
        down: &["DROP TABLE stock"],
    },
    Migration {
        app: "catalog",
        name: "0004_product_flags",
        depends_on: "",
        up: &[
            "ALTER TABLE product ADD COLUMN discontinued INTEGER",
            "ALTER TABLE product ADD COLUMN weight_grams INTEGER",
            "CREATE INDEX product_discontinued ON product (discontinued)",
            "UPDATE product SET discontinued = 0",
        ],
        down: &[
            "DROP INDEX product_discontinued ON product",
            "ALTER TABLE product DROP COLUMN weight_grams",
            "ALTER TABLE product DROP COLUMN discontinued",
        ],
    },
    Migration {
        app: "catalog",
        name: "0005_product_listing",
        depends_on: "",
        up: &[LISTING, "CREATE INDEX product_title ON product (title)"],
        down: &[
            "DROP INDEX product_title ON product",
            "DROP VIEW product_listing",
        ],
    },
    Migration {
        app: "catalog",
        name: "0006_tags",
        depends_on: "",
        up: &[
            "CREATE TABLE tag (id INTEGER NOT NULL, label VARCHAR(40) NOT NULL, PRIMARY KEY (id), CONSTRAINT tag_label_key UNIQUE (label))",
            "CREATE TABLE product_tag (product_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, PRIMARY KEY (product_id, tag_id), CONSTRAINT product_tag_product_fk FOREIGN KEY (product_id) REFERENCES product (id), CONSTRAINT product_tag_tag_fk FOREIGN KEY (tag_id) REFERENCES tag (id))",
            "CREATE VIEW tagged_products AS SELECT pt.product_id, t.label FROM product_tag pt JOIN tag t ON t.id = pt.tag_id",
        ],
        down: &[
            "DROP VIEW tagged_products",
            "DROP TABLE product_tag",
            "DROP TABLE tag",
        ],
    },
    Migration {
        app: "catalog",
        name: "0007_seed_tags",
        depends_on: "",
        up: &[
            "INSERT INTO tag (id, label) VALUES (1, 'classic'), (2, 'bestseller')",
            "INSERT INTO product_tag (product_id, tag_id) VALUES (1, 2), (2, 2), (4, 1)",
        ],
        down: &[
            "DELETE FROM product_tag WHERE tag_id IN (1, 2)",
            "DELETE FROM tag WHERE id IN (1, 2)",
        ],
    },
    Migration {
        app: "catalog",
        name: "0008_drop_weight",
        depends_on: "",
        up: &[
            "ALTER TABLE product DROP COLUMN weight_grams",
            "DROP INDEX product_title ON product",
            "CREATE INDEX product_title_sku ON product (title, sku)",
        ],
        down: &[
            "DROP INDEX product_title_sku ON product",
            "CREATE INDEX product_title ON product (title)",
            "ALTER TABLE product ADD COLUMN weight_grams INTEGER",
        ],
    },
    Migration {
        app: "catalog",
        name: "0009_price_history",
        depends_on: "",
        up: &[
            "CREATE TABLE price_history (id INTEGER NOT NULL, product_id INTEGER NOT NULL, price DECIMAL(10,2) NOT NULL, changed_on VARCHAR(10) NOT NULL, PRIMARY KEY (id))",
            "CREATE INDEX price_history_changed ON price_history (changed_on)",
            "INSERT INTO price_history (id, product_id, price, changed_on) SELECT id, id, price, '2024-01-01' FROM product",
            "UPDATE product SET price = 29.99 WHERE id = 3",
        ],
        down: &[
            "UPDATE product SET price = 25.00 WHERE id = 3",
            "DROP TABLE price_history",
        ],
    },
    Migration {
        app: "catalog",
        name: "0010_listing_price",
        depends_on: "",
        up: &[
            "DROP VIEW product_listing",
            "CREATE VIEW product_listing AS SELECT p.id, p.sku, p.title, p.price, c.name AS category FROM product p JOIN category c ON c.id = p.category_id",
            "DROP INDEX product_discontinued ON product",
            "DROP TABLE supplier",
        ],
        down: &[
            SUPPLIER,
            "CREATE INDEX supplier_country ON supplier (country)",
            "CREATE INDEX product_discontinued ON product (discontinued)",
            "DROP VIEW product_listing",
            LISTING,
        ],
    },
    Migration {
        app: "orders",
        name: "0001_orders",
        depends_on: "accounts:0001, catalog:0001",
        up: &[
            "CREATE TABLE purchase_order (id INTEGER NOT NULL, customer_id INTEGER NOT NULL, status VARCHAR(20) NOT NULL, placed_on VARCHAR(10) NOT NULL, PRIMARY KEY (id), CONSTRAINT purchase_order_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id))",
            "CREATE INDEX purchase_order_status ON purchase_order (status, placed_on)",
            "CREATE TABLE order_line (order_id INTEGER NOT NULL, line_no INTEGER NOT NULL, product_id INTEGER NOT NULL, quantity INTEGER NOT NULL, PRIMARY KEY (order_id, line_no), CONSTRAINT order_line_order_fk FOREIGN KEY (order_id) REFERENCES purchase_order (id), CONSTRAINT order_line_product_fk FOREIGN KEY (product_id) REFERENCES product (id))",
            "CREATE INDEX order_line_quantity ON order_line (quantity)",
        ],
        down: &["DROP TABLE order_line", "DROP TABLE purchase_order"],
    },
    Migration {
        app: "orders",
        name: "0002_seed_orders",
        depends_on: "accounts:0002, catalog:0002",
        up: &[
            "INSERT INTO purchase_order (id, customer_id, status, placed_on) VALUES (1, 1, 'open', '2024-04-01'), (2, 2, 'open', '2024-04-02'), (3, 1, 'open', '2024-04-03')",
            "INSERT INTO order_line (order_id, line_no, product_id, quantity) VALUES (1, 1, 1, 1), (1, 2, 3, 2), (2, 1, 2, 1), (3, 1, 4, 3), (3, 2, 1, 1)",
            "UPDATE purchase_order SET status = 'shipped' WHERE id = 1",
        ],
        down: &[
            "DELETE FROM order_line WHERE order_id IN (1, 2, 3)",
            "DELETE FROM purchase_order WHERE id IN (1, 2, 3)",
        ],
    },
    Migration {
        app: "orders",
        name: "0003_shipping",
        depends_on: "",
        up: &[
            "ALTER TABLE purchase_order ADD COLUMN shipped_on VARCHAR(10)",
            "ALTER TABLE purchase_order ADD COLUMN carrier VARCHAR(40)",
            SHIPMENT,
            "CREATE INDEX shipment_tracking ON shipment (tracking)",
            "UPDATE purchase_order SET shipped_on = '2024-04-05', carrier = 'post' WHERE status = 'shipped'",
        ],
        down: &[
            "DROP TABLE shipment",
            "ALTER TABLE purchase_order DROP COLUMN carrier",
            "ALTER TABLE purchase_order DROP COLUMN shipped_on",
        ],
    },
    Migration {
        app: "orders",
        name: "0004_order_views",
        depends_on: "",
        up: &[OPEN_ORDERS, ORDER_TOTALS],
        down: &["DROP VIEW order_totals", "DROP VIEW open_orders"],
    },
    Migration {
        app: "orders",
        name: "0005_returns",
        depends_on: "",
        up: &[
            RETURN_REQUEST,
            "CREATE INDEX return_request_requested ON return_request (requested_on)",
            "ALTER TABLE order_line ADD COLUMN returned_quantity INTEGER",
        ],
        down: &[
            "ALTER TABLE order_line DROP COLUMN returned_quantity",
            "DROP TABLE return_request",
        ],
    },
    Migration {
        app: "orders",
        name: "0006_tracking_key",
        depends_on: "",
        up: &[
            "ALTER TABLE purchase_order DROP COLUMN carrier",
            "DROP INDEX shipment_tracking ON shipment",
            "CREATE UNIQUE INDEX shipment_tracking_key ON shipment (tracking)",
            "CREATE INDEX purchase_order_shipped ON purchase_order (shipped_on)",
        ],
        down: &[
            "DROP INDEX purchase_order_shipped ON purchase_order",
            "DROP INDEX shipment_tracking_key ON shipment",
            "CREATE INDEX shipment_tracking ON shipment (tracking)",
            "ALTER TABLE purchase_order ADD COLUMN carrier VARCHAR(40)",
            "UPDATE purchase_order SET carrier = 'post' WHERE status = 'shipped'",
        ],
    },
    Migration {
        app: "orders",
        name: "0007_drop_returns",
        depends_on: "",
        up: &[
            "DROP INDEX return_request_requested ON return_request",
            "DROP TABLE return_request",
        ],
        down: &[
            RETURN_REQUEST,
            "CREATE INDEX return_request_requested ON return_request (requested_on)",
        ],
    },
    Migration {
        app: "orders",
        name: "0008_archive",
        depends_on: "",
        up: &[
            "CREATE TABLE order_archive (id INTEGER NOT NULL, customer_id INTEGER NOT NULL, status VARCHAR(20) NOT NULL, placed_on VARCHAR(10) NOT NULL, PRIMARY KEY (id))",
            "CREATE INDEX order_archive_customer ON order_archive (customer_id)",
            "INSERT INTO order_archive (id, customer_id, status, placed_on) SELECT id, customer_id, status, placed_on FROM purchase_order WHERE status = 'shipped'",
            "UPDATE purchase_order SET status = 'archived' WHERE id IN (SELECT id FROM order_archive)",
        ],
        down: &[
            "UPDATE purchase_order SET status = 'shipped' WHERE status = 'archived'",
            "DROP TABLE order_archive",
        ],
    },
    Migration {
        app: "orders",
        name: "0009_line_count",
        depends_on: "",
        up: &[
            "ALTER TABLE order_line DROP COLUMN returned_quantity",
            "DROP VIEW order_totals",
            "CREATE VIEW order_totals AS SELECT order_id, COUNT(*) AS line_count, SUM(quantity) AS items FROM order_line GROUP BY order_id",
        ],
        down: &[
            "DROP VIEW order_totals",
            ORDER_TOTALS,
            "ALTER TABLE order_line ADD COLUMN returned_quantity INTEGER",
        ],
    },
    Migration {
        app: "orders",
        name: "0010_totals",
        depends_on: "",
        up: &[
            "DROP VIEW open_orders",
            "DROP TABLE shipment",
            "ALTER TABLE purchase_order ADD COLUMN total DECIMAL(10,2)",
            "UPDATE purchase_order SET total = 0",
        ],
        down: &[
            "ALTER TABLE purchase_order DROP COLUMN total",
            SHIPMENT,
            "CREATE UNIQUE INDEX shipment_tracking_key ON shipment (tracking)",
            OPEN_ORDERS,
        ],
    },
    // Session state used by later statements: a setting (PostgreSQL) or a
    // user variable (MariaDB) read by a data change, and a prepared
    // statement. Written in PostgreSQL's spelling; MariaDB's is in
    // `MYSQL_SPELLING`. A resume, on a new connection, must run the
    // session statements that ran before it goes on.
    Migration {
        app: "orders",
        name: "0011_stale_orders",
        depends_on: "",
        up: &[
            "SET orders.cutoff = '2024-04-03'",
            "ALTER TABLE purchase_order ADD COLUMN stale INTEGER",
            "UPDATE purchase_order SET stale = 0",
            "PREPARE mark_stale (text) AS UPDATE purchase_order SET stale = 1 WHERE placed_on < $1",
            "EXECUTE mark_stale (current_setting('orders.cutoff'))",
            "DEALLOCATE mark_stale",
            "CREATE INDEX purchase_order_stale ON purchase_order (stale)",
        ],
        down: &[
            "DROP INDEX purchase_order_stale ON purchase_order",
            "ALTER TABLE purchase_order DROP COLUMN stale",
        ],
    },
];

/// MariaDB's spelling of the statements of `orders:0011_stale_orders` that
/// differ, statement for statement: the cutoff is a user variable computed
/// from the rows, used by a data change; the index is built by a statement
/// prepared from another variable (MariaDB prepares DDL, PostgreSQL does
/// not). Both give the same rows and the same index.
const MYSQL_SPELLING: &[(&str, &str)] = &[
    (
        "SET orders.cutoff = '2024-04-03'",
        "SET @cutoff = (SELECT MAX(placed_on) FROM purchase_order)",
    ),
    (
        "UPDATE purchase_order SET stale = 0",
        "UPDATE purchase_order SET stale = CASE WHEN placed_on < @cutoff THEN 1 ELSE 0 END",
    ),
    (
        "PREPARE mark_stale (text) AS UPDATE purchase_order SET stale = 1 WHERE placed_on < $1",
        "SET @stale_index = 'CREATE INDEX purchase_order_stale ON purchase_order (stale)'",
    ),
    (
        "EXECUTE mark_stale (current_setting('orders.cutoff'))",
        "PREPARE build_index FROM @stale_index",
    ),
    ("DEALLOCATE mark_stale", "EXECUTE build_index"),
    (
        "CREATE INDEX purchase_order_stale ON purchase_order (stale)",
        "DEALLOCATE PREPARE build_index",
    ),
];

const APPS: [&str; 3] = ["accounts", "catalog", "orders"];

/// A statement as `kind` runs it.
fn render(sql: &str, kind: Kind) -> String {
    if kind == Kind::Mysql
        && let Some((_, mysql)) = MYSQL_SPELLING.iter().find(|(pg, _)| *pg == sql)
    {
        return mysql.to_string();
    }
    match (sql.strip_prefix("DROP INDEX "), kind) {
        (Some(rest), Kind::Sqlite | Kind::Postgres) => {
            let name = rest.split(" ON ").next().unwrap_or(rest);
            format!("DROP INDEX {name}")
        }
        _ => sql.to_string(),
    }
}

fn file_text(m: &Migration, kind: Kind) -> String {
    let mut text = String::new();
    if !m.depends_on.is_empty() {
        text.push_str(&format!("-- depends_on: {}\n", m.depends_on));
    }
    text.push_str("-- migrate:up transaction=false\n");
    for sql in m.up {
        text.push_str(&format!("{};\n", render(sql, kind)));
    }
    text.push_str("\n-- migrate:down transaction=false\n");
    for sql in m.down {
        text.push_str(&format!("{};\n", render(sql, kind)));
    }
    text
}

/// Writes the set: one file per migration, in SQL every engine accepts, and
/// a `.mysql.sql` variant beside those MariaDB spells otherwise.
fn write_set(ctx: &Ctx) {
    for m in SET {
        ctx.write(
            m.app,
            &format!("{}.sql", m.name),
            &file_text(m, Kind::Postgres),
        );
        let spelt_otherwise =
            m.up.iter()
                .chain(m.down)
                .any(|s| render(s, Kind::Mysql) != render(s, Kind::Postgres));
        if spelt_otherwise {
            ctx.write(
                m.app,
                &format!("{}.mysql.sql", m.name),
                &file_text(m, Kind::Mysql),
            );
        }
    }
}

/// A statement with no inverse: a data change, or a prepared statement run
/// (it may do anything). Once one ran, `repair --undo` refuses.
fn has_no_inverse(sql: &str) -> bool {
    ["INSERT ", "UPDATE ", "DELETE ", "EXECUTE "]
        .iter()
        .any(|w| sql.starts_with(w))
}

/// A statement that only changes rows: it runs in one transaction with the
/// history write that counts it, so a crash just before or just after it
/// leaves it not run and nothing in doubt.
fn counted_with_it(sql: &str) -> bool {
    ["INSERT ", "UPDATE ", "DELETE "]
        .iter()
        .any(|w| sql.starts_with(w))
}

/// A statement whose journal entry its text alone gives, with a probe (in
/// this set: what creates an object or adds a column): it is announced by
/// the history write before it, so a crash at `entry:k` leaves it in doubt,
/// and the repair settles it by looking.
fn announced_early(sql: &str) -> bool {
    sql.starts_with("CREATE ") || sql.contains(" ADD COLUMN ")
}

/// Whether statement `j` (1-based) of `statements` is counted by the
/// history write that comes with the next statement rather than by one of
/// its own: it has a probe, is not a row change (counted in its own
/// transaction) nor the last (counted by the outcome), and the next
/// statement is not announced early (the write announcing it counts `j`).
fn deferred(statements: &[String], j: usize) -> bool {
    (1..statements.len()).contains(&j)
        && !counted_with_it(&statements[j - 1])
        && !unprobed(&statements[j - 1])
        && !announced_early(&statements[j])
}

/// How many statements the history counts after a crash at `point:k`
/// (`entry`, `before` or `after`, also with `resume-`): those before `k`,
/// less statement `k - 1` when it was deferred to a write the crash came
/// before: the journal write of `k` (at `entry`), or the transaction of
/// `k`, a row change, which the crash rolled back.
pub(crate) fn counted_after_crash(statements: &[String], point: &str, k: usize) -> usize {
    let point = point.strip_prefix("resume-").unwrap_or(point);
    let lost =
        deferred(statements, k - 1) && (point == "entry" || counted_with_it(&statements[k - 1]));
    k - 1 - usize::from(lost)
}

/// The statement `migrate repair` reports in doubt after a crash of a run
/// at `point:k` (`entry`, `before` or `after`): the one counted late, or
/// `k` once announced, unless it runs in one transaction with its count.
pub(crate) fn in_doubt_after_crash(statements: &[String], point: &str, k: usize) -> Option<usize> {
    if counted_after_crash(statements, point, k) < k - 1 {
        return Some(k - 1);
    }
    let announced = match point {
        "entry" => announced_early(&statements[k - 1]),
        _ => !counted_with_it(&statements[k - 1]),
    };
    announced.then_some(k)
}

/// Whether `sql` is in effect after a crash at `point` (`before` or
/// `after` it, also with `resume-`).
fn in_effect_after(point: &str, sql: &str) -> bool {
    point.ends_with("after") && !counted_with_it(sql)
}

/// A statement the database cannot tell ran: one with no inverse, or one
/// that changes only the session (nothing outlives the connection). A crash
/// around it leaves a doubt only the user can settle.
fn unprobed(sql: &str) -> bool {
    has_no_inverse(sql)
        || ["SET ", "PREPARE ", "DEALLOCATE "]
            .iter()
            .any(|w| sql.starts_with(w))
}

/// The migration's number, as a target.
fn number(m: &Migration) -> &'static str {
    &m.name[..4]
}

/// The target that unapplies `SET[i]` and nothing else of its app.
fn before_target(i: usize) -> &'static str {
    match i.checked_sub(1).map(|p| &SET[p]) {
        Some(prev) if prev.app == SET[i].app => number(prev),
        _ => "zero",
    }
}

/// What the database holds: columns (in order, with types), indexes,
/// constraints, views, and every table's rows (their count and a digest of
/// their content), leaving out the tool's own tables.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    columns: Vec<String>,
    indexes: Vec<String>,
    constraints: Vec<String>,
    views: Vec<String>,
    rows: Vec<String>,
}

impl Snapshot {
    /// The definitions alone: what an undo that says it restores
    /// definitions but not data brings back.
    fn definitions(&self) -> Snapshot {
        Snapshot {
            rows: Vec::new(),
            ..self.clone()
        }
    }
}

/// The catalog queries of [`snapshot`], one line per object, each tagged
/// with what it describes.
fn catalog_query(kind: Kind) -> &'static str {
    match kind {
        Kind::Postgres => {
            "SELECT 'c ' || table_name::text || ' ' || lpad(ordinal_position::text, 5, '0') || ' ' \
             || column_name::text || ' ' || data_type::text \
             || COALESCE('(' || character_maximum_length::text || ')', '') \
             || COALESCE('(' || numeric_precision::text || ',' || numeric_scale::text || ')', '') \
             || ' ' || is_nullable::text \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             UNION ALL SELECT 'i ' || tablename::text || ' ' || indexdef \
             FROM pg_indexes WHERE schemaname = current_schema() \
             UNION ALL SELECT 'k ' || conrelid::regclass::text || ' ' || conname::text || ' ' \
             || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = current_schema()::regnamespace AND conrelid <> 0 \
             UNION ALL SELECT 'v ' || viewname::text || ' ' || definition \
             FROM pg_views WHERE schemaname = current_schema() \
             UNION ALL SELECT 't ' || table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        _ => {
            "SELECT CONCAT('c ', table_name, ' ', LPAD(ordinal_position, 5, '0'), ' ', column_name, ' ', \
             column_type, ' ', is_nullable) \
             FROM information_schema.columns WHERE table_schema = DATABASE() \
             UNION ALL SELECT CONCAT('i ', table_name, ' ', index_name, ' ', non_unique, ' ', \
             seq_in_index, ' ', column_name) \
             FROM information_schema.statistics WHERE table_schema = DATABASE() \
             UNION ALL SELECT CONCAT('k ', tc.table_name, ' ', tc.constraint_name, ' ', \
             tc.constraint_type, COALESCE(CONCAT(' -> ', rc.referenced_table_name), '')) \
             FROM information_schema.table_constraints tc \
             LEFT JOIN information_schema.referential_constraints rc \
             ON rc.constraint_schema = tc.constraint_schema \
             AND rc.constraint_name = tc.constraint_name AND rc.table_name = tc.table_name \
             WHERE tc.constraint_schema = DATABASE() \
             UNION ALL SELECT CONCAT('v ', table_name, ' ', view_definition) \
             FROM information_schema.views WHERE table_schema = DATABASE() \
             UNION ALL SELECT CONCAT('t ', table_name) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
        }
    }
}

/// The count of a table's rows and a digest of their content.
fn digest_query(kind: Kind, table: &str, columns: &[&str]) -> String {
    if kind == Kind::Postgres {
        let row: Vec<String> = columns
            .iter()
            .map(|c| format!("COALESCE({c}::text, '~')"))
            .collect();
        format!(
            "SELECT '{table}: ' || COUNT(*)::text || ' ' || COALESCE(md5(string_agg(r, ';' ORDER BY r)), '-') \
             FROM (SELECT concat_ws('|', {}) AS r FROM {table}) s",
            row.join(", ")
        )
    } else {
        let row: Vec<String> = columns
            .iter()
            .map(|c| format!("COALESCE(CAST({c} AS CHAR), '~')"))
            .collect();
        format!(
            "SELECT CONCAT('{table}: ', COUNT(*), ' ', COALESCE(MD5(GROUP_CONCAT(r ORDER BY r SEPARATOR ';')), '-')) \
             FROM (SELECT CONCAT_WS('|', {}) AS r FROM {table}) s",
            row.join(", ")
        )
    }
}

async fn snapshot(ctx: &Ctx) -> Snapshot {
    let mut catalog: Vec<String> = ctx.db.strings(catalog_query(ctx.kind())).await;
    catalog.retain(|line| !line[2..].starts_with("migrate_"));
    catalog.sort();
    let tagged = |tag: &str| -> Vec<String> {
        catalog
            .iter()
            .filter_map(|line| line.strip_prefix(tag))
            .map(str::to_string)
            .collect()
    };
    // Columns sort by table, then position, which is then left out:
    // PostgreSQL counts dropped columns in it.
    let columns: Vec<String> = tagged("c ")
        .iter()
        .map(|c| {
            let mut parts = c.splitn(3, ' ');
            let (table, _position, column) = (parts.next(), parts.next(), parts.next());
            format!("{}.{}", table.unwrap_or(""), column.unwrap_or(""))
        })
        .collect();
    let digests: Vec<String> = tagged("t ")
        .iter()
        .map(|table| {
            let names: Vec<&str> = columns
                .iter()
                .filter_map(|c| c.strip_prefix(table.as_str())?.strip_prefix('.'))
                .filter_map(|c| c.split(' ').next())
                .collect();
            digest_query(ctx.kind(), table, &names)
        })
        .collect();
    let mut rows = if digests.is_empty() {
        Vec::new()
    } else {
        ctx.db.strings(&digests.join(" UNION ALL ")).await
    };
    rows.sort();
    Snapshot {
        columns,
        indexes: tagged("i "),
        constraints: tagged("k "),
        views: tagged("v "),
        rows,
    }
}

/// Every history row as `app:name state done`, in one query.
async fn history_rows(ctx: &Ctx) -> Vec<String> {
    let sql = match ctx.kind() {
        Kind::Postgres => {
            "SELECT app || ':' || name || ' ' || state || ' ' || statements_done::text \
             FROM migrate_history ORDER BY app, name"
        }
        _ => {
            "SELECT CONCAT(app, ':', name, ' ', state, ' ', statements_done) \
             FROM migrate_history ORDER BY app, name"
        }
    };
    ctx.db.strings(sql).await
}

/// The history once the first `n` migrations of the set are applied, and
/// `partial`, when given, the row of the one being applied or unapplied.
fn expected_history(n: usize, partial: Option<(&Migration, &str, usize)>) -> Vec<String> {
    let mut rows: Vec<String> = SET[..n]
        .iter()
        .map(|m| format!("{}:{} applied {}", m.app, m.name, m.up.len()))
        .collect();
    if let Some((m, state, done)) = partial {
        rows.retain(|r| !r.starts_with(&format!("{}:{} ", m.app, m.name)));
        rows.push(format!("{}:{} {state} {done}", m.app, m.name));
    }
    rows.sort();
    rows
}

#[track_caller]
fn ok(out: &Output, what: &str) {
    assert_eq!(
        out.code, 0,
        "{what}: exit code {}\nstdout:\n{}\nstderr:\n{}",
        out.code, out.stdout, out.stderr
    );
}

/// `--assume-ran` / `--assume-not-ran` when the statement in doubt after a
/// crash at `point` is one no probe can settle: the crash point says which
/// is true. `undo-` points are the other way round: killed before its
/// inverse ran, the statement is still in effect.
fn assume(point: &str, sql: &str) -> Option<&'static str> {
    if !unprobed(sql) || counted_with_it(sql) {
        return None;
    }
    match point.strip_prefix("resume-").unwrap_or(point) {
        "before" | "undo-after" => Some("--assume-not-ran"),
        "after" | "undo-before" => Some("--assume-ran"),
        _ => None,
    }
}

fn with<'a>(args: &[&'a str], flag: Option<&'a str>) -> Vec<&'a str> {
    let mut args = args.to_vec();
    args.extend(flag);
    args
}

/// The tables whose columns `m` adds or drops.
fn churned(m: &Migration) -> Vec<&'static str> {
    let mut tables: Vec<&str> =
        m.up.iter()
            .chain(m.down)
            .filter(|s| s.contains(" ADD COLUMN ") || s.contains(" DROP COLUMN "))
            .filter_map(|s| s.strip_prefix("ALTER TABLE ")?.split(' ').next())
            .collect();
    tables.sort();
    tables.dedup();
    tables
}

/// MariaDB drops and adds columns in place, keeping the dropped ones in the
/// table's row format until it is rebuilt; the matrix adds and drops the
/// same columns hundreds of times, which would outgrow InnoDB's row size
/// limit, so the tables it churns are rebuilt between trials (nothing a
/// snapshot sees changes).
async fn rebuild(ctx: &Ctx, m: &Migration) {
    if ctx.kind() != Kind::Mysql {
        return;
    }
    let tables = ctx.db.tables().await;
    for table in churned(m) {
        if tables.iter().any(|t| t == table) {
            ctx.db.exec(&format!("ALTER TABLE {table} FORCE")).await;
        }
    }
}

/// The first `applied` migrations of the set are applied: the rest of the
/// set applies on top, to the database and history of a clean full run;
/// then back to where it was.
async fn to_the_end(ctx: &Ctx, applied: usize, clean: &Snapshot, trial: &str) {
    ok(&ctx.migrate(&[]), &format!("{trial}: the rest"));
    assert_eq!(
        history_rows(ctx).await,
        expected_history(SET.len(), None),
        "{trial}: the rest"
    );
    assert_eq!(snapshot(ctx).await, *clean, "{trial}: the rest");
    // Back: the later apps to zero, this one to where it was.
    let (app, target) = match applied.checked_sub(1).map(|l| &SET[l]) {
        Some(m) => (m.app, number(m)),
        None => (SET[0].app, "zero"),
    };
    for later in APPS.iter().rev().take_while(|a| **a != app) {
        ok(&ctx.migrate(&[later, "zero"]), "back");
    }
    ok(&ctx.migrate(&[app, target]), "back");
}

#[derive(Default)]
struct Counts {
    points: usize,
    resumed: usize,
    undone: usize,
    undo_refused: usize,
    undone_to_end: usize,
    resumed_to_end: usize,
    unapply_points: usize,
}

/// `SET[i]` is applied, and only what comes before it: killed while
/// unapplying at `point:k`, then resumed, it is unapplied as a clean run
/// unapplies it.
async fn unapply_trial(ctx: &Ctx, i: usize, point: &str, k: usize, at: &[Snapshot]) {
    let m = &SET[i];
    let down: Vec<String> = m.down.iter().map(|s| render(s, ctx.kind())).collect();
    let fault = format!("{point}:{k}");
    let trial = format!("unapplying {}:{} at {fault}", m.app, m.name);
    let out = ctx.crash(&[m.app, before_target(i)], &fault);
    assert_ne!(
        out.code, 0,
        "{trial}: the run must be killed\n{}",
        out.stderr
    );
    assert_eq!(
        history_rows(ctx).await,
        expected_history(
            i + 1,
            Some((m, "reverting", counted_after_crash(&down, point, k)))
        ),
        "{trial}: the history counts what ran\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
    let flag = assume(point, &down[k - 1]);
    ok(
        &ctx.migrate(&with(&["repair", "--resume", "--yes"], flag)),
        &format!("{trial}: resume"),
    );
    assert_eq!(
        history_rows(ctx).await,
        expected_history(i, None),
        "{trial}"
    );
    assert_eq!(snapshot(ctx).await, at[i], "{trial}: resume");
}

pub async fn crash_matrix_recovers_every_boundary(ctx: Arc<Ctx>) {
    if ctx.kind() == Kind::Sqlite {
        // A killed SQLite run leaves nothing running; the repair scenarios
        // cover its crash points.
        return;
    }
    let started = Instant::now();
    let kind = ctx.kind();
    let statements: usize = SET.iter().map(|m| m.up.len()).sum();
    assert!(
        SET.len() >= 30 && statements >= 100,
        "the set is big enough"
    );

    write_set(&ctx);
    let before = snapshot(&ctx).await;
    ok(&ctx.migrate(&[]), "clean run");
    let clean = snapshot(&ctx).await;
    assert_eq!(history_rows(&ctx).await, expected_history(SET.len(), None));
    for app in APPS.iter().rev() {
        ok(&ctx.migrate(&[app, "zero"]), "unapply");
    }
    assert_eq!(
        snapshot(&ctx).await,
        before,
        "zero restores the empty database"
    );

    // The state after each migration, applied one by one; and each down
    // section restores the state before its migration.
    let mut at = vec![before];
    for m in SET {
        ok(&ctx.migrate(&[m.app, number(m)]), m.name);
        at.push(snapshot(&ctx).await);
    }
    assert_eq!(at[SET.len()], clean, "one by one as all at once");
    for i in (0..SET.len()).rev() {
        ok(&ctx.migrate(&[SET[i].app, before_target(i)]), SET[i].name);
        assert_eq!(snapshot(&ctx).await, at[i], "down of {}", SET[i].name);
    }

    let mut n = Counts::default();
    for (i, m) in SET.iter().enumerate() {
        // The first i migrations are applied.
        let up: Vec<String> = m.up.iter().map(|s| render(s, kind)).collect();
        let points: Vec<(&str, usize)> = (1..=up.len())
            .flat_map(|k| {
                let entry = (i == 0).then_some(("entry", k));
                entry.into_iter().chain([("before", k), ("after", k)])
            })
            .collect();
        // The unapply trials start where a forward trial ends (the
        // migration applied) and end where the next one starts.
        let mut unapplying: std::collections::VecDeque<(&str, usize)> = (1..=m.down.len())
            .flat_map(|k| [("before", k), ("after", k)])
            .collect();
        // The undo of the last point that can be undone, and the resume of
        // the last point, are followed by the rest of the set.
        let undoable = |point: &str, k: usize| {
            let ran = if in_effect_after(point, &up[k - 1]) {
                k
            } else {
                k - 1
            };
            !up[..ran].iter().any(|s| has_no_inverse(s))
        };
        let last = points.len() - 1;
        let last_undoable = points
            .iter()
            .rposition(|(point, k)| undoable(point, *k))
            .expect("before:1 can always be undone");
        for (j, (point, k)) in points.into_iter().enumerate() {
            rebuild(&ctx, m).await;
            let fault = format!("{point}:{k}");
            let trial = format!("{}:{} at {fault}", m.app, m.name);
            let crash = || async {
                let out = ctx.crash(&[m.app, number(m)], &fault);
                assert_ne!(
                    out.code, 0,
                    "{trial}: the run must be killed\n{}",
                    out.stderr
                );
                assert_eq!(
                    history_rows(&ctx).await,
                    expected_history(i, Some((m, "partial", counted_after_crash(&up, point, k)))),
                    "{trial}: the history counts what ran\nstdout:\n{}\nstderr:\n{}",
                    out.stdout,
                    out.stderr
                );
            };
            n.points += 1;
            let flag = match point {
                "entry" => None,
                _ => assume(point, &up[k - 1]),
            };

            // Killed, then undone: as if it never started.
            crash().await;
            match in_doubt_after_crash(&up, point, k) {
                Some(d) => ctx
                    .migrate(&["repair"])
                    .expect_code(0)
                    .expect_text(&format!("in doubt {d}:")),
                None => ctx
                    .migrate(&["repair"])
                    .expect_code(0)
                    .expect_no_text("in doubt"),
            };
            let undo = ctx.migrate(&with(&["repair", "--undo", "--yes"], flag));
            if !undoable(point, k) {
                // A statement with no inverse ran (a data change): nothing
                // undoes it; the repair says so and changes nothing, and
                // the resume below recovers.
                undo.expect_code(3)
                    .expect_text("cannot be undone automatically");
                assert_eq!(
                    history_rows(&ctx).await,
                    expected_history(i, Some((m, "partial", counted_after_crash(&up, point, k)))),
                    "{trial}: a refused undo changes nothing"
                );
                n.undo_refused += 1;
            } else {
                ok(&undo, &format!("{trial}: undo"));
                assert_eq!(
                    history_rows(&ctx).await,
                    expected_history(i, None),
                    "{trial}: undo"
                );
                // Exactly as before, unless the undo said what it cannot
                // bring back (the rows of a dropped table or column).
                let now = snapshot(&ctx).await;
                if undo
                    .stdout
                    .contains("restores its definition but not its data")
                {
                    assert_eq!(now.definitions(), at[i].definitions(), "{trial}: undo");
                } else {
                    assert_eq!(now, at[i], "{trial}: undo");
                }
                n.undone += 1;
                if j == last_undoable {
                    to_the_end(&ctx, i, &clean, &format!("{trial}: after the undo")).await;
                    n.undone_to_end += 1;
                }
                // Killed again, from where the undo left it.
                crash().await;
            }

            // Resumed: the migration is applied, as a clean run applies it.
            ok(
                &ctx.migrate(&with(&["repair", "--resume", "--yes"], flag)),
                &format!("{trial}: resume"),
            );
            assert_eq!(
                history_rows(&ctx).await,
                expected_history(i + 1, None),
                "{trial}: resume"
            );
            assert_eq!(snapshot(&ctx).await, at[i + 1], "{trial}: resume");
            n.resumed += 1;
            if j == last {
                to_the_end(&ctx, i + 1, &clean, &format!("{trial}: after the resume")).await;
                n.resumed_to_end += 1;
            }
            // Back to before the migration: through an unapply trial while
            // any is left.
            match unapplying.pop_front() {
                Some((point, k)) => {
                    unapply_trial(&ctx, i, point, k, &at).await;
                    n.unapply_points += 1;
                }
                None => ok(&ctx.migrate(&[m.app, before_target(i)]), "back"),
            }
        }
        for (point, k) in unapplying {
            rebuild(&ctx, m).await;
            ok(&ctx.migrate(&[m.app, number(m)]), m.name);
            unapply_trial(&ctx, i, point, k, &at).await;
            n.unapply_points += 1;
        }
        ok(&ctx.migrate(&[m.app, number(m)]), m.name);
    }
    let points = n.points + n.unapply_points;
    let recoveries = n.resumed + n.undone + n.unapply_points;
    let engine = match kind {
        Kind::Postgres => "postgres",
        _ => "mysql",
    };
    eprintln!(
        "crash matrix on {engine}: {} migrations, {statements} statements; {points} crash points, \
{recoveries} recoveries, all recovered in {:.0?}. Applying: {} crash points, {} undone ({} of \
them then run to the end of the set), {} not undone as a statement with no inverse had run \
(refused, as it must be), {} resumed ({} then run to the end). Unapplying: {} crash points, {} resumed.",
        SET.len(),
        started.elapsed(),
        n.points,
        n.undone,
        n.undone_to_end,
        n.undo_refused,
        n.resumed,
        n.resumed_to_end,
        n.unapply_points,
        n.unapply_points,
    );
    assert_eq!(n.resumed, n.points);
    assert_eq!(n.undone + n.undo_refused, n.points);
    assert_eq!((n.undone_to_end, n.resumed_to_end), (SET.len(), SET.len()));
}

/// The migrations whose repairs [`crash_matrix_recovers_killed_repairs`]
/// kills at every point; empty: all of them (487 killed repairs per
/// engine, about three minutes). Name some (`"0011_stale_orders"`, the
/// longest, with session state) to run fewer while working on the test.
const KILLED_REPAIRS: &[&str] = &[];

/// How many killed repairs were tried, and how many recovered.
#[derive(Default)]
struct RepairCounts {
    undo_points: usize,
    undone: usize,
    resume_points: usize,
    resumed: usize,
}

/// Runs the crash-point binary with `args`: it must be killed at `fault`
/// (no exit code: killed by a signal), not stop on an error of its own.
fn killed(ctx: &Ctx, args: &[&str], fault: &str, trial: &str) -> Output {
    let out = ctx.crash(args, fault);
    assert_eq!(
        out.code, -1,
        "{trial}: the run must be killed at {fault}\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    out
}

/// The audit-log entries of `action` for `m`: a finished repair writes
/// one, a killed one none.
async fn logged(ctx: &Ctx, m: &Migration, action: &str) -> i64 {
    ctx.db
        .count(&format!(
            "SELECT COUNT(*) FROM migrate_history_log \
             WHERE app = '{}' AND name = '{}' AND action = '{action}'",
            m.app, m.name
        ))
        .await
}

/// The statements a resume runs again first, when the ones numbered 1 to
/// `ran` are in effect: those that set session state, which the new
/// connection lacks.
fn replayed(up: &[String], ran: usize) -> Vec<String> {
    (1..=ran)
        .filter(|k| unprobed(&up[k - 1]) && !has_no_inverse(&up[k - 1]))
        .map(|k| k.to_string())
        .collect()
}

/// `SET[i]` is killed once its statements 1 to `last` ran, all of which
/// have an inverse; `repair --undo` is killed at `point:j` (`undo-before`
/// or `undo-after` statement j's inverse). The undo marks statement j
/// before its inverse runs, so the history shows j counted; the next
/// `repair --undo`, as the README says, settles statement j (by looking,
/// or by the flag the crash point justifies) and ends as if the migration
/// never started.
async fn killed_undo_trial(
    ctx: &Ctx,
    i: usize,
    last: usize,
    point: &str,
    j: usize,
    at: &[Snapshot],
) {
    let m = &SET[i];
    let up: Vec<String> = m.up.iter().map(|s| render(s, ctx.kind())).collect();
    let fault = format!("{point}:{j}");
    let trial = format!(
        "{}:{} killed at after:{last}, its undo at {fault}",
        m.app, m.name
    );
    killed(ctx, &[m.app, number(m)], &format!("after:{last}"), &trial);
    let first = killed(
        ctx,
        &with(
            &["repair", "--undo", "--yes"],
            assume("after", &up[last - 1]),
        ),
        &fault,
        &trial,
    );
    assert_eq!(
        history_rows(ctx).await,
        expected_history(i, Some((m, "partial", j))),
        "{trial}: statement {j} stays counted while its inverse runs"
    );
    ctx.migrate(&["repair"])
        .expect_code(0)
        .expect_text(&format!("in doubt {j}:"));
    let undos = logged(ctx, m, "repair-undo").await;
    let undo = ctx.migrate(&with(
        &["repair", "--undo", "--yes"],
        assume(point, &up[j - 1]),
    ));
    ok(&undo, &format!("{trial}: undo again"));
    assert_eq!(
        history_rows(ctx).await,
        expected_history(i, None),
        "{trial}: undo again"
    );
    assert_eq!(
        logged(ctx, m, "repair-undo").await,
        undos + 1,
        "{trial}: one undo logged"
    );
    // Exactly as before, unless one of the two undos said what it cannot
    // bring back (the rows of a dropped column).
    let lossy = |out: &Output| {
        out.stdout
            .contains("restores its definition but not its data")
    };
    let now = snapshot(ctx).await;
    if lossy(&first) || lossy(&undo) {
        assert_eq!(
            now.definitions(),
            at[i].definitions(),
            "{trial}: undo again"
        );
    } else {
        assert_eq!(now, at[i], "{trial}: undo again");
    }
}

/// `SET[i]` is killed before any statement ran (`entry:1`); `repair
/// --resume` is killed at `point:j` (`resume-entry`, `resume-before` or
/// `resume-after` statement j). The next `repair --resume` runs again the
/// session statements in effect, says which, settles statement j, and
/// applies the migration as a clean run does; then back to before it.
async fn killed_resume_trial(ctx: &Ctx, i: usize, point: &str, j: usize, at: &[Snapshot]) {
    let m = &SET[i];
    let up: Vec<String> = m.up.iter().map(|s| render(s, ctx.kind())).collect();
    let fault = format!("{point}:{j}");
    let trial = format!(
        "{}:{} killed at entry:1, its resume at {fault}",
        m.app, m.name
    );
    killed(ctx, &[m.app, number(m)], "entry:1", &trial);
    killed(ctx, &["repair", "--resume", "--yes"], &fault, &trial);
    assert_eq!(
        history_rows(ctx).await,
        expected_history(i, Some((m, "partial", counted_after_crash(&up, point, j)))),
        "{trial}: the history counts what ran"
    );
    let flag = assume(point, &up[j - 1]);
    let in_effect = if in_effect_after(point, &up[j - 1]) {
        j
    } else {
        j - 1
    };
    let resumes = logged(ctx, m, "repair-resume").await;
    let resume = ctx.migrate(&with(&["repair", "--resume", "--yes"], flag));
    ok(&resume, &format!("{trial}: resume again"));
    let replays = replayed(&up, in_effect);
    if replays.is_empty() {
        resume.expect_no_text("set session state");
    } else {
        resume.expect_text(&format!(
            "statements {} set session state",
            replays.join(", ")
        ));
    }
    assert_eq!(
        history_rows(ctx).await,
        expected_history(i + 1, None),
        "{trial}: resume again"
    );
    assert_eq!(
        logged(ctx, m, "repair-resume").await,
        resumes + 1,
        "{trial}: one resume logged"
    );
    assert_eq!(snapshot(ctx).await, at[i + 1], "{trial}: resume again");
    ok(&ctx.migrate(&[m.app, before_target(i)]), "back");
}

/// The repairs themselves killed, on the large set: `repair --undo` before
/// and after each inverse, `repair --resume` at each boundary of the
/// statements it runs, each recovered by running the same repair again (as
/// the README and `migrate_core::repair` say) to the database and history
/// the repair was heading for.
pub async fn crash_matrix_recovers_killed_repairs(ctx: Arc<Ctx>) {
    if ctx.kind() == Kind::Sqlite {
        // As for the forward matrix: the repair scenarios cover SQLite.
        return;
    }
    let started = Instant::now();
    let kind = ctx.kind();
    write_set(&ctx);
    let before = snapshot(&ctx).await;
    let mut at = vec![before];
    for m in SET {
        ok(&ctx.migrate(&[m.app, number(m)]), m.name);
        at.push(snapshot(&ctx).await);
    }
    for app in APPS.iter().rev() {
        ok(&ctx.migrate(&[app, "zero"]), "unapply");
    }
    assert_eq!(
        snapshot(&ctx).await,
        at[0],
        "zero restores the empty database"
    );

    let mut n = RepairCounts::default();
    let mut tried = Vec::new();
    for (i, m) in SET.iter().enumerate() {
        // The first i migrations are applied.
        if KILLED_REPAIRS.is_empty() || KILLED_REPAIRS.contains(&m.name) {
            tried.push(format!("{}:{}", m.app, m.name));
            let up: Vec<String> = m.up.iter().map(|s| render(s, kind)).collect();
            // An undo runs only while every statement in effect has an
            // inverse: the longest such run covers every state an undo
            // can be killed in.
            let last = up.iter().take_while(|s| !has_no_inverse(s)).count();
            for j in (1..=last).rev() {
                for point in ["undo-before", "undo-after"] {
                    rebuild(&ctx, m).await;
                    n.undo_points += 1;
                    killed_undo_trial(&ctx, i, last, point, j, &at).await;
                    n.undone += 1;
                }
            }
            for j in 1..=up.len() {
                for point in ["resume-entry", "resume-before", "resume-after"] {
                    rebuild(&ctx, m).await;
                    n.resume_points += 1;
                    killed_resume_trial(&ctx, i, point, j, &at).await;
                    n.resumed += 1;
                }
            }
        }
        ok(&ctx.migrate(&[m.app, number(m)]), m.name);
    }
    assert_eq!(history_rows(&ctx).await, expected_history(SET.len(), None));
    assert_eq!(
        snapshot(&ctx).await,
        at[SET.len()],
        "the whole set at the end"
    );
    let engine = match kind {
        Kind::Postgres => "postgres",
        _ => "mysql",
    };
    eprintln!(
        "killed repairs on {engine}: {}; undo killed at {} points, {} recovered; resume killed \
at {} points, {} recovered; in {:.0?}.",
        tried.join(", "),
        n.undo_points,
        n.undone,
        n.resume_points,
        n.resumed,
        started.elapsed(),
    );
    assert_eq!((n.undone, n.resumed), (n.undo_points, n.resume_points));
    assert!(n.undo_points > 0 && n.resume_points > 0);
}
