//! End-to-end scenarios: the real `migrate` binary against real SQLite,
//! PostgreSQL and MariaDB/MySQL databases, asserting on what the user sees
//! and on what the database holds afterwards.
//!
//! Each scenario is written once in `scenarios/` and instantiated per engine
//! by [`scenarios!`]: `cargo nextest run -E 'test(postgres::)'` runs the
//! PostgreSQL ones.

mod harness;
mod scenarios;

/// Instantiates every listed scenario as one test per engine, in the
/// modules `sqlite`, `postgres` and `mysql`.
macro_rules! scenarios {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                crate::harness::run(crate::harness::Kind::Sqlite, crate::scenarios::$module::$name).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                crate::harness::run(crate::harness::Kind::Postgres, crate::scenarios::$module::$name).await
            })*
        }
        mod mysql {
            $(#[tokio::test]
            async fn $name() {
                crate::harness::run(crate::harness::Kind::Mysql, crate::scenarios::$module::$name).await
            })*
        }
    };
}

/// The same portable migrations inspect to the same schema on SQLite,
/// PostgreSQL and MySQL.
#[tokio::test]
async fn portable_schemas_are_equal_across_engines() {
    harness::run_on_every_engine(scenarios::portable::same_schema_on_every_engine).await
}

scenarios! {
    squash::squash_writes_one_migration_that_a_fresh_database_runs_alone,
    squash::squash_counts_as_applied_where_the_originals_ran,
    squash::squash_originals_deleted_after_they_ran_keep_working,
    squash::squash_part_way_through_the_originals_goes_on_with_them,
    squash::squash_refuses_what_it_cannot_replace,
    squash::squash_stands_for_its_originals_in_other_apps_dependencies,
    squash::squash_carries_transaction_false_and_runs_journaled,
    squash::squash_portable_migrations_into_one_portable_migration,
    moves::forward_then_status,
    moves::backward_to_a_prefix,
    moves::zero_unapplies_dependents_first,
    moves::fake_both_ways,
    moves::nothing_pending,
    moves::dry_run_changes_nothing,
    moves::irreversible_is_refused,
    moves::empty_down_is_refused_unless_marked_noop,
    moves::check_exits_1_until_up_to_date,
    moves::stored_history_holds_the_sql,
    moves::example_project_round_trip,
    failures::failed_migration_leaves_a_truthful_history,
    failures::transaction_false_is_journaled,
    failures::partial_blocks_until_faked,
    failures::concurrent_runs_apply_once,
    inputs::unknown_app_and_target,
    inputs::ambiguous_prefix,
    inputs::invalid_sources_exit_2_with_file_and_line,
    inputs::unsplittable_files_are_reported_before_anything_runs,
    inputs::unreachable_database_hides_the_password,
    inputs::database_from_config_and_dotenv,
    inputs::status_json,
    inputs::read_only_commands_create_nothing,
    inputs::sql_shows_the_transaction_wrapper,
    inputs::new_creates_the_next_file,
    inputs::usage_errors_exit_2_everywhere,
    inputs::unencoded_passwords_are_never_printed,
    inputs::closed_stdout_is_quiet,
    terminal::colour_only_on_a_terminal_or_when_asked,
    terminal::completions_for_every_shell,
    terminal::typos_get_a_did_you_mean,
    terminal::help_lists_only_what_applies,
    terminal::first_line_names_the_database_and_where_it_came_from,
    terminal::a_named_config_file_must_exist,
    terminal::progress_bar_on_a_terminal_only,
    recovery::guide_section_1_simple_error,
    recovery::guide_fake_after_manual_fix,
    divergence::orphan_is_refused_then_reverted,
    divergence::orphan_rewind_reapplies_what_came_after,
    divergence::two_0010s_and_an_orphan,
    divergence::prune_forgets_orphans_undone_by_hand,
    divergence::edited_migration_is_refused_until_accepted,
    divergence::out_of_order_needs_permission,
    divergence::file_down_only_when_asked,
    renames::renamed_file_is_recorded_under_its_new_name,
    renames::ambiguous_renames_are_not_paired,
    renames::log_with_an_unknown_action_is_read,
    edits::comment_and_whitespace_edits_do_not_block,
    repair::every_failing_statement_is_undone_or_resumed,
    repair::every_crash_point_is_undone_or_resumed,
    repair::repair_without_an_inverse_says_what_ran,
    repair::every_repair_crash_point_is_recovered,
    repair::the_real_binary_ignores_crash_points,
    repair::session_state_is_replayed_on_resume,
    repair::resume_of_an_unapply_can_use_the_fixed_file,
    crash_matrix::crash_matrix_recovers_every_boundary,
    crash_matrix::crash_matrix_recovers_killed_repairs,
    portable::portable_set_is_equivalent_everywhere,
    check::check_proves_each_migration_on_a_scratch_database,
    check::check_compares_engines_statically,
    check::killed_check_leaves_no_scratch_database,
    check::check_cells_show_failures_and_what_depends_on_them,
    check::check_fixture_folder_on_a_real_engine,
    check::the_proof_grows_linearly,
    drift::drift_finds_hand_changes_and_prints_what_undoes_them,
    drift::drift_writes_a_migration_that_accepts_the_live_schema,
    drift::drift_refuses_a_history_left_part_way,
    drift::drift_finds_what_was_removed_or_changed_in_place,
    layouts::a_diesel_folder_runs_as_it_is,
    layouts::flyway_repeatables_run_last_and_again_when_changed,
    layouts::adopt_takes_over_what_sqlx_applied,
    layouts::adopt_takes_over_a_database_sqlx_migrated,
    layouts::adopt_reads_diesel_and_golang_migrate_histories,
    adopt::adopt_reads_flyway_history,
    adopt::adopt_reads_refinery_history,
    adopt::adopt_reads_django_history,
    portable::portable_errors_name_file_line_and_operation,
    portable::a_variant_replaces_a_portable_migration_on_one_engine,
    portable::dropped_not_null_column_unapplies_alike_everywhere,
    engines::lock_held_by_another_run_times_out,
    engines::killed_run_keeps_the_lock_while_its_statement_runs,
    engines::cancel_running_ends_a_killed_runs_statement,
    engines::init_statements_run_first,
    engines::dml_only_migration_is_atomic_everywhere,
    engines::postgres_concurrent_index,
    engines::postgres_schema_holds_history_and_objects,
    engines::mysql_rejects_schema_option,
    engines::missing_privileges_are_reported,
    engines::connection_dropped_mid_run_leaves_a_truthful_history,
    online::online_alter_keeps_every_write,
    online::online_alter_needs_the_tool_installed,
    online::killed_online_alter_is_repaired,
    online::online_alter_keeps_the_password_private,
    online::killed_online_tool_fails_its_statement,
    online::online_alter_crash_points_are_recovered,
    online::online_alter_failure_says_why,
    fanout::fanout_migrates_every_database,
    fanout::fanout_one_failure_does_not_stop_the_others,
    fanout::fanout_sqlite_file_that_is_not_a_database,
    fanout::fanout_json_has_one_entry_per_database,
    fanout::fanout_groups_and_list_files,
    fanout::fanout_commands_that_change_one_database_are_refused,
    fanout::fanout_never_prints_a_password,
    fanout::fanout_postgres_schemas,
    fanout::fanout_reads_the_migrations_once,
    fanout::fanout_interrupted_finishes_those_at_work,
    fanout::fanout_mixes_engines_in_one_run,
}
