-- A task can be about a patient, so this needs the patients table first.
-- depends_on: patients:0001

-- migrate:up
ALTER TABLE tasks_task ADD COLUMN patient_id INTEGER REFERENCES patients_patient (id);
CREATE INDEX tasks_task_patient ON tasks_task (patient_id);

-- migrate:down
DROP INDEX tasks_task_patient;
ALTER TABLE tasks_task DROP COLUMN patient_id;
