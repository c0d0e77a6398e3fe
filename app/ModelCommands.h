#pragma once
// The subcommands that run models or the face stage: faces, checkpoint, model, embed, demo. They
// live in facelab-engine only (LibTorch, OpenCV); the small facelab binary hands them over.
// Registered in CliCommands.cpp's commands() table.
#include <QCommandLineParser>

namespace facelab::cli {

int cmdFaces(QCommandLineParser &p, const QStringList &args);
int cmdCheckpoint(QCommandLineParser &p, const QStringList &args);
void modelOptions(QCommandLineParser &p);
int cmdModel(QCommandLineParser &p, const QStringList &args);
void embedOptions(QCommandLineParser &p);
int cmdEmbed(QCommandLineParser &p, const QStringList &args);
int cmdDemo(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli
