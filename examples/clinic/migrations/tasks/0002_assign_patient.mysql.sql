-- MySQL ignores REFERENCES written on a column, and DROP INDEX needs the
-- table: this variant replaces 0002_assign_patient.sql on MySQL/MariaDB.
-- depends_on: patients:0001

-- migrate:up
ALTER TABLE tasks_task ADD COLUMN patient_id INTEGER;
ALTER TABLE tasks_task ADD CONSTRAINT tasks_task_patient_fk FOREIGN KEY (patient_id) REFERENCES patients_patient (id);
CREATE INDEX tasks_task_patient ON tasks_task (patient_id);

-- migrate:down
ALTER TABLE tasks_task DROP FOREIGN KEY tasks_task_patient_fk;
DROP INDEX tasks_task_patient ON tasks_task;
ALTER TABLE tasks_task DROP COLUMN patient_id;
